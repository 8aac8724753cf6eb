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

    protected string StatusLine()
    {
        if (Line is not null)
        {
            return Line(Stats);
        }

        var completed = Stats.Completed;
        var total = Total is { } t ? string.Create(CultureInfo.InvariantCulture, $"/{t}") : string.Empty;
        var failed = Stats.Failed + Stats.Cancelled + Stats.InvalidInputs;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Job}: {completed}{total} {Noun} done, {Stats.Succeeded} ok, {failed} failed, {Stats.Throughput:0.#}/s{(Extra is null ? string.Empty : ", " + Extra())}, {Stats.WallTime.TotalSeconds:0.0} s");
    }
}
