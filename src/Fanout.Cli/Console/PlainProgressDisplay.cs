using Fanout.Engine;

namespace Fanout.Cli.Console;

/// <summary>A status line every few seconds, for logs and CI where a bar would be noise.</summary>
internal sealed class PlainProgressDisplay(string job, string noun, WorkStats stats, TimeSpan interval) : ProgressDisplay(job, noun, stats)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);
    private readonly Lock _gate = new();
    private Timer? _timer;

    public override void Start() => _timer = new Timer(_ => Write(StatusLine()), null, interval, interval);

    public override void Message(string line) => Write(line);

    public override async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
            _timer = null;
        }
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            System.Console.Error.WriteLine(line);
        }
    }
}
