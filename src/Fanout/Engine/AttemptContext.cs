namespace Fanout.Engine;

/// <summary>Facts about the attempt a handler is being asked to make.</summary>
/// <param name="Key">The item's stable key.</param>
/// <param name="Index">The item's position in the (shard-filtered) input, from 0.</param>
/// <param name="Attempt">The attempt number, from 1.</param>
public readonly record struct AttemptContext(string Key, long Index, int Attempt)
{
    /// <summary>The attempt's time limit (its token fires then), or <see langword="null"/> for none: for messages.</summary>
    public TimeSpan? Timeout { get; init; }
}
