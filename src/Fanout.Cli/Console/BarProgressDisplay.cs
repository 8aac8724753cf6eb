using System.Globalization;
using Fanout.Engine;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Fanout.Cli.Console;

/// <summary>
/// A live status line on a terminal's stderr: counts and rate, and once the total is known a bar, the percentage and
/// the time left. The whole line is laid out here to the terminal's width, so it never wraps (Spectre's own columns
/// squeezed the percentage onto lines of its own at 80 columns).
/// </summary>
internal sealed class BarProgressDisplay(string job, string noun, WorkStats stats) : ProgressDisplay(job, noun, stats)
{
    private const int SpinnerWidth = 2; // the spinner and the space after it
    private const int Margin = 1; // the last column: a line that fills it wraps on some terminals
    private const int NarrowestBar = 10;
    private const int WidestBar = 40;
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(100);
    private readonly IAnsiConsole _console = ErrorConsole.Instance;
    private readonly CancellationTokenSource _done = new();
    private Task? _loop;

    public override void Start()
    {
        var progress = _console.Progress()
            .AutoClear(true)
            .HideCompleted(false)
            .Columns(new SpinnerColumn(), new LineColumn(this));
        _loop = progress.StartAsync(async context =>
        {
            var task = context.AddTask(Job, autoStart: true, maxValue: 1);
            task.IsIndeterminate = true;
            while (!_done.IsCancellationRequested)
            {
                context.Refresh();
                try
                {
                    await Task.Delay(Refresh, _done.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            context.Refresh();
        });
    }

    public override void Message(string line) => _console.WriteLine(line);

    public override async ValueTask DisposeAsync()
    {
        if (_loop is null)
        {
            return;
        }

        await _done.CancelAsync();
        await _loop;
        _loop = null;
    }

    /// <summary>
    /// The line at <paramref name="width"/> columns (spinner excluded): the status, then with a known total a bar, the
    /// percentage and the time left. Plain text and the bar's two parts (done, to do), so the caller can colour them.
    /// </summary>
    internal (string Status, int Done, int ToDo, string After) Layout(int width)
    {
        var room = width - SpinnerWidth - Margin;
        if (Total is not { } total || total <= 0)
        {
            return (StatusLine(room), 0, 0, string.Empty);
        }

        var fraction = Math.Clamp((double)Stats.Completed / total, 0, 1);
        var rate = Stats.Throughput;
        var left = Stats.Completed >= total ? TimeSpan.Zero
            : rate > 0 ? TimeSpan.FromSeconds(Math.Min((total - Stats.Completed) / rate, TimeSpan.FromDays(1).TotalSeconds))
            : (TimeSpan?)null;
        var after = string.Create(CultureInfo.InvariantCulture, $" {fraction * 100,3:0}% {(left is { } l ? FormatLeft(l) : "-:--")} left");
        var status = StatusLine(room - 1 - NarrowestBar - after.Length);
        var bar = Math.Clamp(room - status.Length - 1 - after.Length, 0, WidestBar);
        var done = (int)Math.Round(bar * fraction);
        return (status + " ", done, bar - done, after);
    }

    public static string FormatLeft(TimeSpan left) => left.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)left.TotalHours}:{left.Minutes:00}:{left.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{left.Minutes}:{left.Seconds:00}");

    private sealed class LineColumn(BarProgressDisplay display) : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var (status, done, toDo, after) = display.Layout(options.ConsoleSize.Width);
            return new Markup($"{Markup.Escape(status)}[green]{new string('━', done)}[/][grey]{new string('─', toDo)}[/]{Markup.Escape(after)}");
        }
    }
}
