namespace Fanout.Engine;

/// <summary>The one result every item gets: its value or its error, with attempts and timings.</summary>
/// <typeparam name="TItem">The work item type.</typeparam>
/// <typeparam name="TResult">The result value type.</typeparam>
public sealed record WorkResult<TItem, TResult>
{
    /// <summary>The item this result is for.</summary>
    public required TItem Item { get; init; }

    /// <summary>The item's stable key.</summary>
    public required string Key { get; init; }

    /// <summary>The item's position in the (shard-filtered) input, from 0.</summary>
    public required long Index { get; init; }

    /// <summary>The value of the last attempt, if it produced one (success, or a failure with data).</summary>
    public TResult? Value { get; init; }

    /// <summary>The error of the last attempt, or <see langword="null"/> on success.</summary>
    public WorkError? Error { get; init; }

    /// <summary>Whether the item succeeded.</summary>
    public bool Ok => Error is null;

    /// <summary>Whether it succeeded without work to do (see <see cref="AttemptOutcome{TResult}.Skipped"/>).</summary>
    public bool Skipped { get; init; }

    /// <summary>How many attempts were made (1 when no retry was needed).</summary>
    public required int Attempts { get; init; }

    /// <summary>Which worker ran the item, from 1 (a slot number: at most one item runs in a slot at a time); 0 when none did.</summary>
    public required int Worker { get; init; }

    /// <summary>When the item was due to start: its rate-limit slot, or when it was read from the input.</summary>
    public required DateTimeOffset ScheduledAt { get; init; }

    /// <summary>When its first attempt started: <see cref="ScheduledAt"/> plus <see cref="QueueWait"/>.</summary>
    public DateTimeOffset StartedAt => ScheduledAt + QueueWait;

    /// <summary>When its last attempt ended: <see cref="StartedAt"/> plus <see cref="RunTime"/>.</summary>
    public DateTimeOffset EndedAt => StartedAt + RunTime;

    /// <summary>How long the item waited between being due and a worker starting it.</summary>
    public required TimeSpan QueueWait { get; init; }

    /// <summary>From the start of the first attempt to the end of the last, backoff delays included.</summary>
    public required TimeSpan RunTime { get; init; }

    /// <summary>
    /// The latency a user of the service would see: <see cref="QueueWait"/> plus <see cref="RunTime"/>
    /// when the run is paced by a rate (so a slow server cannot hide behind fewer requests), otherwise
    /// <see cref="RunTime"/>.
    /// </summary>
    public required TimeSpan Latency { get; init; }
}
