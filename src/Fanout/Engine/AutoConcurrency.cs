namespace Fanout.Engine;

/// <summary>
/// <c>-j auto</c>: the number of items in flight found while the run goes, per partition (per host for HTTP jobs, one
/// for the run otherwise), instead of a fixed number. Set <see cref="WorkPoolOptions.Auto"/> to one of these; the
/// pool then runs up to <see cref="Max"/> workers and each item waits for a permit of its partition's limit
/// (<see cref="AdaptiveLimit"/>: Vegas-style latency queue estimate, slow start, multiplicative cut on overload).
/// A <c>Retry-After</c> pauses the whole partition. Read <see cref="Snapshot"/> during or after the run to see the
/// limits and how they moved. One instance serves one run.
/// </summary>
public sealed class AutoConcurrency
{
    /// <summary>The default largest limit (<c>-j auto</c> is <c>-j auto:256</c>).</summary>
    public const int DefaultMax = 256;

    /// <summary>The limit each partition starts at: one, so the first answers show the latency without any queue (the base every later estimate is measured against); slow start doubles it each round trip.</summary>
    public const int DefaultInitial = 1;

    private const int MaxHistory = 2048;
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(5);

    private readonly object _gate = new();
    private readonly Dictionary<string, Partition> _partitions = new(StringComparer.Ordinal);
    private TimeProvider _time = TimeProvider.System;
    private long _origin;
    private CpuProbe? _probe;

    /// <summary>Creates the limit.</summary>
    /// <param name="max">The largest limit; also the number of workers the pool runs.</param>
    /// <param name="initial">Where each partition's limit starts.</param>
    public AutoConcurrency(int max = DefaultMax, int initial = DefaultInitial)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(initial, 1);
        Max = max;
        Initial = Math.Min(initial, max);
        _origin = _time.GetTimestamp();
    }

    /// <summary>The largest limit.</summary>
    public int Max { get; }

    /// <summary>Where each partition's limit starts.</summary>
    public int Initial { get; }

    /// <summary>
    /// Whether the work's limit is this machine (commands: <c>test</c>, <c>run</c>): then, during slow start, an item
    /// that finds the limit full raises it at once while fewer tasks want a core than there are cores, instead of waiting a round trip
    /// for an answer. Commands that wait (sleep, network) reach many at once; CPU-bound ones stop near the core count.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool Local { get; init; }

    /// <summary>The limits now, with their ranges and histories.</summary>
    /// <returns>One entry per partition ("" for the run's one), in the order they were first seen.</returns>
    public IReadOnlyList<AutoLimitState> Snapshot()
    {
        lock (_gate)
        {
            return [.. _partitions.Select(p => new AutoLimitState(p.Key, p.Value.Limit.Limit, p.Value.Lowest, p.Value.Highest, p.Value.InFlight, [.. p.Value.History]))];
        }
    }

    /// <summary>The sum of the partitions' limits now (the progress line's figure).</summary>
    public int CurrentTotal
    {
        get
        {
            lock (_gate)
            {
                return _partitions.Values.Sum(p => p.Limit.Limit);
            }
        }
    }

    internal void Start(TimeProvider time)
    {
        lock (_gate)
        {
            _time = time;
            _origin = time.GetTimestamp();
            _probe = Local ? new CpuProbe(time) : null;
        }
    }

    /// <summary>Waits for a permit of <paramref name="partition"/>'s limit; dispose the permit with its sample.</summary>
    internal ValueTask<Permit> AcquireAsync(string partition, CancellationToken cancellationToken)
    {
        TaskCompletionSource<Permit> waiter;
        lock (_gate)
        {
            var state = Get(partition);
            if (state.Waiters.Count == 0 && state.InFlight >= state.Limit.Limit && state.Limit.SlowStart && _probe?.HasRoom() == true)
            {
                state.Limit.Probe();
                state.Record(_time.GetElapsedTime(_origin));
            }

            if (state.Waiters.Count == 0 && CanStart(state))
            {
                state.InFlight++;
                return ValueTask.FromResult(new Permit(this, state));
            }

            waiter = new TaskCompletionSource<Permit>(TaskCreationOptions.RunContinuationsAsynchronously);
            state.Waiters.Enqueue(waiter);
            if (_probe is not null && state.Limit.SlowStart && state.Waiters.Count == 1)
            {
                // Look again soon: the machine may have room before any command ends.
                Arm(state, ProbeInterval);
            }
        }

        return WaitAsync(waiter, cancellationToken);
    }

    /// <summary>Holds back new items of <paramref name="partition"/> until <paramref name="delay"/> has passed (a <c>Retry-After</c>).</summary>
    internal void Pause(string partition, TimeSpan delay)
    {
        lock (_gate)
        {
            var state = Get(partition);
            var until = _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency);
            if (until <= state.PausedUntil)
            {
                return;
            }

            state.PausedUntil = until;
            Arm(state, delay);
        }
    }

    /// <summary>Wakes the partition's waiters after <paramref name="delay"/> (the end of a pause).</summary>
    private void Arm(Partition state, TimeSpan delay)
    {
        state.Wake?.Dispose();
        state.Wake = _time.CreateTimer(_ => Pump(state), null, delay, Timeout.InfiniteTimeSpan);
    }

    private static async ValueTask<Permit> WaitAsync(TaskCompletionSource<Permit> waiter, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(static w => ((TaskCompletionSource<Permit>)w!).TrySetCanceled(), waiter);
        var permit = await waiter.Task.ConfigureAwait(false);
        return permit;
    }

    private Partition Get(string name)
    {
        if (!_partitions.TryGetValue(name, out var state))
        {
            state = new Partition(name, new AdaptiveLimit(Initial, 1, Max));
            state.Record(_time.GetElapsedTime(_origin));
            _partitions[name] = state;
        }

        return state;
    }

    private bool CanStart(Partition state) => state.InFlight < state.Limit.Limit && _time.GetTimestamp() >= state.PausedUntil;

    private void Release(Partition state)
    {
        lock (_gate)
        {
            state.InFlight--;
        }

        Pump(state);
    }

    private void Sample(Partition state, TimeSpan rtt, bool overload)
    {
        lock (_gate)
        {
            state.Limit.Sample(rtt, overload, state.InFlight);
            state.Record(_time.GetElapsedTime(_origin));
        }
    }

    /// <summary>Starts waiting items while the limit allows.</summary>
    private void Pump(Partition state)
    {
        while (true)
        {
            TaskCompletionSource<Permit>? next = null;
            lock (_gate)
            {
                if (_probe is not null && state.Limit.SlowStart && state.Waiters.Count > 0 && state.InFlight >= state.Limit.Limit && state.PausedUntil <= _time.GetTimestamp() && _probe.HasRoom())
                {
                    // Room on this machine and items waiting: grow by up to half again at once (many commands just wait).
                    for (var grow = Math.Min(state.Waiters.Count, Math.Max(1, state.Limit.Limit / 2)); grow > 0; grow--)
                    {
                        state.Limit.Probe();
                    }

                    state.Record(_time.GetElapsedTime(_origin));
                }

                while (state.Waiters.Count > 0 && CanStart(state))
                {
                    var candidate = state.Waiters.Dequeue();
                    if (!candidate.Task.IsCompleted)
                    {
                        state.InFlight++;
                        next = candidate;
                        break;
                    }
                }

                // A timer may fire a little before the pause ends: wait the rest, or the waiters would wait forever.
                var left = state.PausedUntil - _time.GetTimestamp();
                if (next is null && state.Waiters.Count > 0 && left > 0)
                {
                    Arm(state, TimeSpan.FromTicks((long)Math.Ceiling(left * (double)TimeSpan.TicksPerSecond / _time.TimestampFrequency)));
                }
                else if (next is null && state.Waiters.Count > 0 && _probe is not null && state.Limit.SlowStart)
                {
                    Arm(state, ProbeInterval);
                }
            }

            if (next is null)
            {
                return;
            }

            if (!next.TrySetResult(new Permit(this, state)))
            {
                // Cancelled in between: give the permit back.
                lock (_gate)
                {
                    state.InFlight--;
                }
            }
        }
    }

    /// <summary>The limit of one partition as it stands.</summary>
    /// <param name="Partition">The partition (a host:port), or "" for the run's one limit.</param>
    /// <param name="Limit">The limit now.</param>
    /// <param name="Lowest">The lowest it has been.</param>
    /// <param name="Highest">The highest it has been.</param>
    /// <param name="InFlight">Items in flight now.</param>
    /// <param name="History">Each change: time since the run started and the new limit.</param>
    public sealed record AutoLimitState(string Partition, int Limit, int Lowest, int Highest, int InFlight, IReadOnlyList<(TimeSpan At, int Limit)> History);

    /// <summary>A permit to run one item; report each attempt with <see cref="Sample"/>.</summary>
    internal readonly struct Permit(AutoConcurrency owner, Partition state) : IDisposable
    {
        /// <summary>One attempt finished: its time and whether it signalled overload.</summary>
        public void Sample(TimeSpan rtt, bool overload) => owner?.Sample(state, rtt, overload);

        /// <summary>A pause the other side asked for (<c>Retry-After</c>).</summary>
        public void Pause(TimeSpan delay) => owner?.Pause(state.Name, delay);

        public void Dispose() => owner?.Release(state);
    }

    internal sealed class Partition(string name, AdaptiveLimit limit)
    {
        public string Name { get; } = name;

        public AdaptiveLimit Limit { get; } = limit;

        public int InFlight { get; set; }

        public long PausedUntil { get; set; }

        public ITimer? Wake { get; set; }

        public Queue<TaskCompletionSource<Permit>> Waiters { get; } = new();

        public int Lowest { get; private set; } = int.MaxValue;

        public int Highest { get; private set; }

        public List<(TimeSpan At, int Limit)> History { get; } = [];

        public void Record(TimeSpan at)
        {
            var limit = Limit.Limit;
            Lowest = Math.Min(Lowest, limit);
            Highest = Math.Max(Highest, limit);
            if (History.Count > 0 && History[^1].Limit == limit)
            {
                return;
            }

            if (History.Count == MaxHistory)
            {
                // Long runs keep every other point of their first half: the shape stays, the size is bounded.
                var kept = History.Where((_, i) => i >= MaxHistory / 2 || i % 2 == 0).ToList();
                History.Clear();
                History.AddRange(kept);
            }

            History.Add((at, limit));
        }
    }
}
