using System.Globalization;

namespace Fanout.Cli.Demo;

/// <summary>
/// A server with a capacity, as the demo, tests and benchmarks of <c>-j auto</c> need one: at most
/// <c>capacity</c> requests are served at once (each takes the service time), more wait in a queue, and beyond
/// three times the capacity in flight it answers 503 at once. The capacity can drop after a number of requests.
/// </summary>
internal sealed class SimulatedServer(int capacity, int? dropAfter, int dropTo)
{
    private readonly object _gate = new();
    private readonly Queue<TaskCompletionSource> _queue = new();
    private int _serving;
    private int _inFlight;
    private long _requests;

    /// <summary>Requests now in flight (queued or served).</summary>
    public int InFlight { get { lock (_gate) { return _inFlight; } } }

    private int Capacity => dropAfter is { } after && _requests > after ? dropTo : capacity;

    /// <summary>Serves one request: <see langword="false"/> when it is refused (503).</summary>
    public async Task<bool> ServeAsync(TimeSpan service, CancellationToken cancellationToken)
    {
        TaskCompletionSource? turn = null;
        lock (_gate)
        {
            _requests++;
            if (_inFlight >= 3 * Capacity)
            {
                return false;
            }

            _inFlight++;
            if (_serving < Capacity)
            {
                _serving++;
            }
            else
            {
                turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _queue.Enqueue(turn);
            }
        }

        try
        {
            if (turn is not null)
            {
                await turn.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            await Task.Delay(service, cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            lock (_gate)
            {
                _inFlight--;
                // A request given up while queued must not be handed a place later.
                turn?.TrySetCanceled(CancellationToken.None);
                if (turn is null || turn.Task.IsCompletedSuccessfully)
                {
                    _serving--;
                }

                // Hand the freed places to the oldest waiters (fewer when the capacity dropped).
                while (_serving < Capacity && _queue.TryDequeue(out var next))
                {
                    if (next.TrySetResult())
                    {
                        _serving++;
                    }
                }
            }
        }
    }

    /// <summary>The key of a server of these figures, so requests for the same figures share one.</summary>
    public static string Key(int capacity, int? dropAfter, int? dropTo) =>
        string.Create(CultureInfo.InvariantCulture, $"{capacity}/{dropAfter}/{dropTo}");
}

/// <summary>A rate limit as APIs apply one: a bucket of <c>rate</c> tokens a second, holding one second's worth; an empty bucket answers 429 with Retry-After.</summary>
internal sealed class SimulatedRateLimit(int rate, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly double _burst = Math.Max(1, rate);
    private double _tokens = Math.Max(1, rate);
    private long _last = time.GetTimestamp();

    public bool TryTake()
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + (time.GetElapsedTime(_last, now).TotalSeconds * rate));
            _last = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens--;
            return true;
        }
    }
}
