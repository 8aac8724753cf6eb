using System.Runtime.InteropServices;

namespace Fanout.Cli.Console;

/// <summary>
/// Ctrl+C (or SIGTERM) once: stop taking new items and let running ones finish. Twice: abort the
/// running ones. Either way the results so far and the summary are still written.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly PosixSignalRegistration? _sigterm;
    private readonly Action<string> _say;
    private int _signals;

    public Interruption(Action<string> say)
    {
        _say = say;
        System.Console.CancelKeyPress += OnCancelKeyPress;
        if (!OperatingSystem.IsWindows())
        {
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                Signal();
            });
        }
    }

    public CancellationToken StopToken => _stop.Token;

    public CancellationToken AbortToken => _abort.Token;

    public bool Interrupted => Volatile.Read(ref _signals) > 0;

    public void Dispose()
    {
        System.Console.CancelKeyPress -= OnCancelKeyPress;
        _sigterm?.Dispose();
        _stop.Dispose();
        _abort.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        Signal();
    }

    private void Signal()
    {
        if (Interlocked.Increment(ref _signals) == 1)
        {
            _say("interrupted: finishing the items in flight (Ctrl+C again to abort them)");
            _stop.Cancel();
        }
        else
        {
            _say("aborting the items in flight");
            _abort.Cancel();
        }
    }
}
