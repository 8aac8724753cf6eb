using Fanout.Engine;
using Spectre.Console;

namespace Fanout.Cli.Console;

/// <summary>A Spectre.Console progress bar on a terminal's stderr: done/total, rate, ETA.</summary>
internal sealed class BarProgressDisplay(string job, string noun, WorkStats stats) : ProgressDisplay(job, noun, stats)
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(100);
    private readonly IAnsiConsole _console = ErrorConsole.Instance;
    private readonly CancellationTokenSource _done = new();
    private Task? _loop;

    public override void Start()
    {
        var progress = _console.Progress()
            .AutoClear(true)
            .HideCompleted(false)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn());
        _loop = progress.StartAsync(async context =>
        {
            var task = context.AddTask(Job, autoStart: true, maxValue: 1);
            task.IsIndeterminate = true;
            while (!_done.IsCancellationRequested)
            {
                Update(task);
                try
                {
                    await Task.Delay(Refresh, _done.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            Update(task);
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

    private void Update(ProgressTask task)
    {
        if (Total is { } total)
        {
            task.IsIndeterminate = false;
            task.MaxValue = Math.Max(1, total);
        }

        task.Value = Math.Min(Stats.Completed, task.MaxValue);
        task.Description = Markup.Escape(StatusLine());
    }
}
