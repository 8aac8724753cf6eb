namespace Fanout.Engine;

/// <summary>How a <see cref="WorkPool"/> runs: concurrency, resilience, pacing, ordering and stopping rules.</summary>
public sealed record WorkPoolOptions
{
    /// <summary>The default number of workers.</summary>
    public const int DefaultConcurrency = 16;

    /// <summary>The default first retry delay, doubled for each further retry (with jitter).</summary>
    public static readonly TimeSpan DefaultRetryBaseDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The default cap on one computed retry delay.</summary>
    public static readonly TimeSpan DefaultRetryMaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>The default cap on a delay asked for by the other side (<c>Retry-After</c>).</summary>
    public static readonly TimeSpan DefaultMaxRetryAfter = TimeSpan.FromMinutes(5);

    /// <summary>The default reorder window when <see cref="PreserveOrder"/> is set.</summary>
    public const int DefaultOrderWindow = 1024;

    /// <summary>Number of items processed at once.</summary>
    /// <value>Default <see cref="DefaultConcurrency"/> (16).</value>
    public int Concurrency { get; init; } = DefaultConcurrency;

    /// <summary>
    /// Adaptive concurrency (<c>-j auto</c>): when set, <see cref="Concurrency"/> is ignored, the pool runs
    /// <see cref="AutoConcurrency.Max"/> workers and each item waits for a permit of its partition's adaptive limit.
    /// </summary>
    /// <value>Default <see langword="null"/> (a fixed <see cref="Concurrency"/>).</value>
    public AutoConcurrency? Auto { get; init; }

    /// <summary>The number of workers: <see cref="AutoConcurrency.Max"/> with <see cref="Auto"/>, else <see cref="Concurrency"/>.</summary>
    public int Workers => Auto?.Max ?? Concurrency;

    /// <summary>Retries after a transient failure (so at most <c>Retries + 1</c> attempts).</summary>
    /// <value>Default 0.</value>
    public int Retries { get; init; }

    /// <summary>First retry delay; later ones grow exponentially, with jitter.</summary>
    /// <value>Default <see cref="DefaultRetryBaseDelay"/> (200 ms).</value>
    public TimeSpan RetryBaseDelay { get; init; } = DefaultRetryBaseDelay;

    /// <summary>Largest computed retry delay.</summary>
    /// <value>Default <see cref="DefaultRetryMaxDelay"/> (30 s).</value>
    public TimeSpan RetryMaxDelay { get; init; } = DefaultRetryMaxDelay;

    /// <summary>Largest <c>Retry-After</c> honoured; longer requests are cut to this.</summary>
    /// <value>Default <see cref="DefaultMaxRetryAfter"/> (5 min).</value>
    public TimeSpan MaxRetryAfter { get; init; } = DefaultMaxRetryAfter;

    /// <summary>Time limit of one attempt; <see langword="null"/> for none. At least 10 ms.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public TimeSpan? AttemptTimeout { get; init; }

    /// <summary>Largest number of items started per second across all workers; <see langword="null"/> for no limit.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public double? RatePerSecond { get; init; }

    /// <summary>Largest number of items of one partition (see <see cref="IWorkHandler{TItem,TResult}.GetPartition"/>) in flight at once.</summary>
    /// <value>Default <see langword="null"/> (no per-partition limit).</value>
    public int? PerPartitionConcurrency { get; init; }

    /// <summary>Deliver results in input order instead of as they complete.</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool PreserveOrder { get; init; }

    /// <summary>With <see cref="PreserveOrder"/>, how many items may be started ahead of the oldest unfinished one.</summary>
    /// <value>Default <see cref="DefaultOrderWindow"/> (1024); raised to <see cref="Concurrency"/> if smaller.</value>
    public int OrderWindow { get; init; } = DefaultOrderWindow;

    /// <summary>Stop after this many failed items: no new items start and running ones are cancelled.</summary>
    /// <value>Default <see langword="null"/> (never stop for failures).</value>
    public int? MaxFailures { get; init; }

    /// <summary>Keep only the items of this shard.</summary>
    /// <value>Default <see langword="null"/> (all items).</value>
    public Shard? Shard { get; init; }

    /// <summary>The random source of the retry delays' jitter; called from any worker, so it must be thread-safe.</summary>
    /// <value>Default <see cref="Random.Shared"/>.</value>
    public Random Random { get; init; } = Random.Shared;

    /// <summary>The clock for pacing, timeouts, backoff and timings.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Cancels running items at once. The token passed to <see cref="WorkPool.RunAsync{TItem,TResult}(IAsyncEnumerable{TItem},IWorkHandler{TItem,TResult},WorkPoolOptions,CancellationToken)"/>
    /// only stops new items from starting and lets running ones finish; this one is the second Ctrl+C.
    /// </summary>
    /// <value>Default <see cref="CancellationToken.None"/>.</value>
    public CancellationToken AbortToken { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Concurrency, 1, nameof(Concurrency));
        ArgumentOutOfRangeException.ThrowIfNegative(Retries, nameof(Retries));
        if (AttemptTimeout is { } timeout && timeout < TimeSpan.FromMilliseconds(10))
        {
            throw new ArgumentOutOfRangeException(nameof(AttemptTimeout), timeout, "The attempt timeout must be at least 10 ms.");
        }

        if (RatePerSecond is { } rate && !(rate > 0 && double.IsFinite(rate)))
        {
            throw new ArgumentOutOfRangeException(nameof(RatePerSecond), rate, "The rate must be a positive number.");
        }

        if (PerPartitionConcurrency is { } perPartition)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(perPartition, 1, nameof(PerPartitionConcurrency));
        }

        if (MaxFailures is { } maxFailures)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxFailures, 1, nameof(MaxFailures));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(OrderWindow, 1, nameof(OrderWindow));
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(Random);
    }
}
