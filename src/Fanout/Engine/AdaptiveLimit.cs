namespace Fanout.Engine;

/// <summary>
/// One adaptive concurrency limit (per host, or one for the run): TCP Vegas's queue estimate with a slow start and
/// AIMD's cut on overload. Each finished attempt is a sample: how long it took and whether the other side signalled
/// overload (a transient failure: 429, 503, a timeout, a refused or reset connection).
/// <list type="bullet">
/// <item>Slow start: every sample that comes back at no more than 1.5x the best latency while the limit is in use
/// adds one (the limit doubles each round trip), until latency inflates or overload is signalled.</item>
/// <item>Then, per window of samples (at least 8, at least half the limit): the items queued at the other side are
/// estimated as <c>in flight x (1 - best latency / median latency)</c> (Vegas). Fewer than alpha (30% of the
/// limit, at least 1) and the limit in use: grow by 5% (at least 1). More than beta (50%, at least 2): shrink by
/// half the excess. Otherwise hold. The wide band keeps throughput: on a loaded client latency rises with
/// concurrency before the server queues.</item>
/// <item>Overload in a window cuts the limit to 3/4 (to 1/2 in slow start, which ends).</item>
/// </list>
/// The best latency is the lowest seen, re-learnt from the current window every 1,000 windows.
/// Not thread-safe: <see cref="AutoConcurrency"/> holds a lock around it.
/// </summary>
internal sealed class AdaptiveLimit
{
    private const double SlowStartTolerance = 1.5;
    private const double OverloadCut = 0.75;
    private const double Growth = 0.05;
    private const int RelearnWindows = 1000;

    // Queue thresholds as fractions of the limit: a latency up to ~1.4x the best is no queue (this machine's own load
    // inflates it too), beyond 2x the other side is queueing.
    private const double Alpha = 0.3;
    private const double Beta = 0.5;

    private readonly int _min;
    private readonly int _max;
    private readonly List<double> _window = [];
    private double _limit;
    private double _baseRtt = double.PositiveInfinity;
    private int _overloads;
    private int _windowMaxInFlight;
    private int _windows;

    public AdaptiveLimit(int initial, int min, int max)
    {
        _min = min;
        _max = max;
        _limit = Math.Clamp(initial, min, max);
    }

    /// <summary>The number of items allowed in flight now.</summary>
    public int Limit => (int)_limit;

    public bool SlowStart { get; private set; } = true;

    /// <summary>Raises the limit by one during slow start, before any answer says whether it may (a local probe found room).</summary>
    public void Probe()
    {
        if (SlowStart)
        {
            _limit = Math.Min(_max, _limit + 1);
        }
    }

    /// <summary>Takes one finished attempt into account.</summary>
    /// <param name="rtt">How long the attempt took.</param>
    /// <param name="overload">Whether it failed in a way that says "too much" (transient).</param>
    /// <param name="inFlight">Items in flight when it finished, itself included.</param>
    public void Sample(TimeSpan rtt, bool overload, int inFlight)
    {
        _windowMaxInFlight = Math.Max(_windowMaxInFlight, inFlight);
        if (overload)
        {
            _overloads++;
            if (SlowStart)
            {
                SlowStart = false;
                _limit = Math.Max(_min, _limit / 2);
                ResetWindow();
                return;
            }
        }
        else
        {
            var seconds = Math.Max(rtt.TotalSeconds, 1e-6);
            _window.Add(seconds);
            if (SlowStart && (double.IsPositiveInfinity(_baseRtt) || seconds <= _baseRtt * SlowStartTolerance) && inFlight >= _limit - 1)
            {
                _limit = Math.Min(_max, _limit + 1);
            }
        }

        if (_window.Count + _overloads >= Math.Max(8, _limit / 2))
        {
            CloseWindow();
        }
    }

    private void CloseWindow()
    {
        if (_overloads > 0)
        {
            _limit = Math.Max(_min, _limit * OverloadCut);
            SlowStart = false;
            ResetWindow();
            return;
        }

        _window.Sort();
        var best = _window[0];
        var median = _window[_window.Count / 2];
        // The best latency seen; re-learnt now and then, so a service that became slower for good is not taken for a queue.
        _baseRtt = ++_windows % RelearnWindows == 0 ? best : Math.Min(best, _baseRtt);
        var used = _windowMaxInFlight;
        var queued = used * (1 - (_baseRtt / median));
        var alpha = Math.Max(1, _limit * Alpha);
        var beta = Math.Max(2, _limit * Beta);
        if (SlowStart && queued > beta)
        {
            // Latency has inflated: the last doubling overshot. Back to what the other side was serving.
            SlowStart = false;
            _limit = Math.Clamp(used - queued + alpha, _min, _max);
        }
        else if (!SlowStart && queued < alpha && used >= _limit * 0.8)
        {
            _limit = Math.Min(_max, _limit + Math.Max(1, _limit * Growth));
        }
        else if (!SlowStart && queued > beta)
        {
            _limit = Math.Max(_min, _limit - Math.Max(1, (queued - beta) / 2));
        }

        ResetWindow();
    }

    private void ResetWindow()
    {
        _window.Clear();
        _overloads = 0;
        _windowMaxInFlight = 0;
    }
}
