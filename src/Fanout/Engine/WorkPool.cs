namespace Fanout.Engine;

/// <summary>
/// Runs work items concurrently: a bounded queue in, <see cref="WorkPoolOptions.Concurrency"/> workers,
/// retries, timeouts, pacing and per-partition limits, and exactly one result out per item started.
/// </summary>
/// <example>
/// <code>
/// await foreach (var result in WorkPool.RunAsync(urls, handler, new WorkPoolOptions { Concurrency = 50 }, ct))
/// {
///     Console.WriteLine($"{result.Key}: {(result.Ok ? "ok" : result.Error!.Message)}");
/// }
/// </code>
/// </example>
public static class WorkPool
{
    /// <summary>Runs <paramref name="items"/> through <paramref name="handler"/>, streaming results as they complete (or in input order, when asked).</summary>
    /// <typeparam name="TItem">The work item type.</typeparam>
    /// <typeparam name="TResult">The result value type.</typeparam>
    /// <param name="items">The items; read lazily, never more than a bounded number ahead of the workers.</param>
    /// <param name="handler">Names items and makes attempts at them.</param>
    /// <param name="options">How to run.</param>
    /// <param name="cancellationToken">
    /// Stops new items from starting; running items finish (see <see cref="WorkPoolOptions.AbortToken"/> to cancel those)
    /// and their results are still delivered.
    /// </param>
    /// <returns>One result per started item.</returns>
    public static IAsyncEnumerable<WorkResult<TItem, TResult>> RunAsync<TItem, TResult>(
        IAsyncEnumerable<TItem> items,
        IWorkHandler<TItem, TResult> handler,
        WorkPoolOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new WorkRun<TItem, TResult>(items, handler, options, cancellationToken).ReadAllAsync();
    }

    /// <summary>Runs a synchronous sequence of items; see the <see cref="IAsyncEnumerable{T}"/> overload.</summary>
    /// <typeparam name="TItem">The work item type.</typeparam>
    /// <typeparam name="TResult">The result value type.</typeparam>
    /// <param name="items">The items; enumerated lazily.</param>
    /// <param name="handler">Names items and makes attempts at them.</param>
    /// <param name="options">How to run.</param>
    /// <param name="cancellationToken">Stops new items from starting.</param>
    /// <returns>One result per started item.</returns>
    public static IAsyncEnumerable<WorkResult<TItem, TResult>> RunAsync<TItem, TResult>(
        IEnumerable<TItem> items,
        IWorkHandler<TItem, TResult> handler,
        WorkPoolOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        return RunAsync(ToAsyncEnumerable(items), handler, options, cancellationToken);
    }

    /// <summary>
    /// Runs a plain async function per item. Every exception the function throws is captured as the
    /// item's error and counts as transient (retried when <see cref="WorkPoolOptions.Retries"/> allows).
    /// </summary>
    /// <typeparam name="TItem">The work item type.</typeparam>
    /// <typeparam name="TResult">The result value type.</typeparam>
    /// <param name="items">The items.</param>
    /// <param name="action">The work for one item.</param>
    /// <param name="keySelector">A stable key per item.</param>
    /// <param name="options">How to run.</param>
    /// <param name="cancellationToken">Stops new items from starting.</param>
    /// <returns>One result per started item.</returns>
    public static IAsyncEnumerable<WorkResult<TItem, TResult>> RunAsync<TItem, TResult>(
        IEnumerable<TItem> items,
        Func<TItem, CancellationToken, ValueTask<TResult>> action,
        Func<TItem, string> keySelector,
        WorkPoolOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        return RunAsync(ToAsyncEnumerable(items), action, keySelector, options, cancellationToken);
    }

    /// <summary>Runs a plain async function per item of an asynchronous sequence; see the <see cref="IEnumerable{T}"/> overload.</summary>
    /// <typeparam name="TItem">The work item type.</typeparam>
    /// <typeparam name="TResult">The result value type.</typeparam>
    /// <param name="items">The items; read lazily.</param>
    /// <param name="action">The work for one item.</param>
    /// <param name="keySelector">A stable key per item.</param>
    /// <param name="options">How to run.</param>
    /// <param name="cancellationToken">Stops new items from starting.</param>
    /// <returns>One result per started item.</returns>
    public static IAsyncEnumerable<WorkResult<TItem, TResult>> RunAsync<TItem, TResult>(
        IAsyncEnumerable<TItem> items,
        Func<TItem, CancellationToken, ValueTask<TResult>> action,
        Func<TItem, string> keySelector,
        WorkPoolOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(keySelector);
        return RunAsync(items, new DelegateHandler<TItem, TResult>(action, keySelector), options, cancellationToken);
    }

    /// <summary>A synchronous sequence as an asynchronous one, enumerated lazily.</summary>
    internal static async IAsyncEnumerable<T> ToAsyncEnumerable<T>(IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            yield return item;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }
}
