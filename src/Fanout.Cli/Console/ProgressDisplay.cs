using System.Globalization;
using Fanout.Engine;

namespace Fanout.Cli.Console;

/// <summary>
/// Live progress on stderr, read from the run's <see cref="WorkStats"/>. Messages (bad input lines)
/// go through the display so they never tear a progress bar.
/// </summary>
internal abstract class ProgressDisplay : IAsyncDisposable
{
    protected ProgressDisplay(string job, string noun, WorkStats stats)
    {
        Job = job;
        Noun = noun;
        Stats = stats;
    }

    protected string Job { get; }

    protected string Noun { get; }

    protected WorkStats Stats { get; }

    /// <summary>Job-specific text appended to the status line.</summary>
    public Func<string>? Extra { get; set; }

    /// <summary>The status line of a job that counts something else than items; replaces the usual one.</summary>
    public Func<WorkStats, string>? Line { get; set; }

    /// <summary>The adaptive concurrency limit now (<c>-j auto</c>), shown on the status line.</summary>
    public Func<int>? Limit { get; set; }

    /// <summary>The number of items expected, when known (set later, once counted).</summary>
    public long? Total { get; set; }

    public static ProgressDisplay Create(string mode, string job, string noun, WorkStats stats) => mode switch
    {
        "bar" => new BarProgressDisplay(job, noun, stats),
        "plain" => new PlainProgressDisplay(job, noun, stats, PlainProgressDisplay.DefaultInterval),
        _ => new SilentProgressDisplay(job, noun, stats),
    };

    public abstract void Start();

    public abstract void Message(string line);

    public abstract ValueTask DisposeAsync();

    /// <summary>The status line, at most <paramref name="width"/> characters: the full wording when it fits, else the counts alone, else cut.</summary>
    protected string StatusLine(int width = int.MaxValue)
    {
        if (Line is not null)
        {
            return Fit(Line(Stats), width);
        }

        var c = CultureInfo.InvariantCulture;
        var completed = Stats.Completed;
        var total = Total is { } t ? string.Create(c, $"/{t}") : string.Empty;
        var failed = Stats.Failed + Stats.Cancelled + Stats.InvalidInputs;
        var extra = (Extra is null ? string.Empty : ", " + Extra()) + (Limit is null ? string.Empty : string.Create(c, $", -j auto {Limit()}"));
        var full = string.Create(c, $"{Job}: {completed}{total} {Noun} done, {Stats.Succeeded} ok, {failed} failed, {Stats.Throughput:0.#}/s{extra}, {Stats.WallTime.TotalSeconds:0.0} s");
        return full.Length <= width ? full : Fit(string.Create(c, $"{completed}{total} done, {failed} failed, {Stats.Throughput:0.#}/s{extra}"), width);
    }

    /// <summary><paramref name="text"/> cut to <paramref name="width"/> characters, with an ellipsis when cut.</summary>
    internal static string Fit(string text, int width) =>
        text.Length <= width ? text : width <= 1 ? string.Empty : string.Concat(text.AsSpan(0, width - 1), "…");
}
