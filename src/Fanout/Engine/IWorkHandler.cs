namespace Fanout.Engine;

/// <summary>
/// The job-specific part of a run: how to name an item and how to make one attempt at it.
/// The pool supplies everything else (concurrency, retries, timeouts, rate limits, stats).
/// </summary>
/// <typeparam name="TItem">The work item type.</typeparam>
/// <typeparam name="TResult">The result value type.</typeparam>
public interface IWorkHandler<in TItem, TResult>
{
    /// <summary>A stable key for the item: used in results, for sharding and for ordering ties.</summary>
    /// <param name="item">The item.</param>
    /// <returns>The key; the same item must always give the same key.</returns>
    string GetKey(TItem item);

    /// <summary>
    /// The partition whose concurrency <see cref="WorkPoolOptions.PerPartitionConcurrency"/> limits
    /// (for HTTP jobs, the host). <see langword="null"/> means unlimited.
    /// </summary>
    /// <param name="item">The item.</param>
    /// <returns>The partition name, or <see langword="null"/>.</returns>
    string? GetPartition(TItem item) => null;

    /// <summary>The item's own limit of retries, overriding <see cref="WorkPoolOptions.Retries"/>; <see langword="null"/> for the pool's.</summary>
    /// <param name="item">The item.</param>
    /// <returns>The retries, or <see langword="null"/>.</returns>
    int? GetRetries(TItem item) => null;

    /// <summary>The item's own time limit per attempt, overriding <see cref="WorkPoolOptions.AttemptTimeout"/>; <see langword="null"/> for the pool's.</summary>
    /// <param name="item">The item.</param>
    /// <returns>The limit, or <see langword="null"/>.</returns>
    TimeSpan? GetAttemptTimeout(TItem item) => null;

    /// <summary>
    /// The value an item's result carries after another attempt, from the earlier attempts' and the latest's (a
    /// test's result keeps its earlier failed runs, say). The default keeps the latest.
    /// </summary>
    /// <param name="earlier">What the earlier attempts left; <see langword="null"/> before the second attempt.</param>
    /// <param name="latest">The latest attempt's value.</param>
    /// <returns>The value to keep.</returns>
    TResult? MergeAttempts(TResult? earlier, TResult? latest) => latest;

    /// <summary>Whether an exception thrown by <see cref="HandleAsync"/> is worth a retry.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns><see langword="true"/> to retry.</returns>
    bool IsTransient(Exception exception) => false;

    /// <summary>Makes one attempt at the item.</summary>
    /// <param name="item">The item.</param>
    /// <param name="context">The attempt number and the item's key.</param>
    /// <param name="cancellationToken">Cancelled when the attempt times out or the run aborts.</param>
    /// <returns>The outcome. Exceptions are also captured, as errors.</returns>
    ValueTask<AttemptOutcome<TResult>> HandleAsync(TItem item, AttemptContext context, CancellationToken cancellationToken);
}
