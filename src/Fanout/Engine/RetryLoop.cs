namespace Fanout.Engine;

/// <summary>
/// Attempts, per-attempt timeouts and backoff for one item. Written here rather than with Polly:
/// building and first running a Polly pipeline costs about 60 ms in a fresh process, a sixth of a
/// second-long run's budget, and this needs only a loop.
/// </summary>
internal static class RetryLoop
{
    /// <summary>Jitter spreads retries of items that failed together (a 503 burst) over ±25% of the delay.</summary>
    private const double JitterFraction = 0.25;

    /// <summary>Makes attempts until one succeeds, fails for good, or <paramref name="retries"/> retries are spent.</summary>
    /// <param name="state">What <paramref name="attempt"/> needs.</param>
    /// <param name="attempt">One attempt; its token fires at the attempt's deadline or on an abort.</param>
    /// <param name="options">Backoff, its clock and its random source.</param>
    /// <param name="retries">Retries allowed (the item's own, or the pool's).</param>
    /// <param name="timeout">The limit of one attempt, or <see langword="null"/>.</param>
    /// <param name="deadline">The worker's reusable deadline.</param>
    /// <param name="abortToken">Ends the item at once: an attempt that returns after it fired is cancelled.</param>
    /// <param name="stopToken">The run is stopping (a first Ctrl+C): no new attempt starts, and a wait for one ends at once.</param>
    /// <returns>The last attempt's outcome.</returns>
    public static async ValueTask<AttemptOutcome<TResult>> RunAsync<TState, TResult>(
        TState state,
        Func<TState, CancellationToken, ValueTask<AttemptOutcome<TResult>>> attempt,
        WorkPoolOptions options,
        int retries,
        TimeSpan? timeout,
        AttemptDeadline deadline,
        CancellationToken abortToken,
        CancellationToken stopToken = default)
    {
        var time = options.TimeProvider;
        for (var retry = 0; ; retry++)
        {
            var outcome = await AttemptOnceAsync(state, attempt, timeout, deadline, abortToken).ConfigureAwait(false);
            if (outcome.Error is null || !outcome.IsTransient || retry >= retries)
            {
                return outcome;
            }

            if (stopToken.IsCancellationRequested)
            {
                return NotRetried(outcome);
            }

            var delay = outcome.RetryAfter is { } retryAfter
                ? (retryAfter > options.MaxRetryAfter ? options.MaxRetryAfter : retryAfter)
                : Backoff(options, retry);
            if (delay > TimeSpan.Zero)
            {
                using var waiting = CancellationTokenSource.CreateLinkedTokenSource(abortToken, stopToken);
                try
                {
                    await Task.Delay(delay, time, waiting.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopToken.IsCancellationRequested && !abortToken.IsCancellationRequested)
                {
                    return NotRetried(outcome);
                }
            }
        }
    }

    /// <summary>The last failure, as the item's outcome, saying why no retry followed.</summary>
    private static AttemptOutcome<TResult> NotRetried<TResult>(AttemptOutcome<TResult> outcome) =>
        outcome with { Error = outcome.Error! with { Message = $"{outcome.Error.Message} (not retried: the run was stopped)" } };

    internal static TimeSpan Backoff(WorkPoolOptions options, int retry)
    {
        var exponential = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, retry);
        var capped = Math.Min(exponential, options.RetryMaxDelay.TotalMilliseconds);
        var jitter = 1 + (JitterFraction * ((options.Random.NextDouble() * 2) - 1));
        return TimeSpan.FromMilliseconds(Math.Min(capped * jitter, options.RetryMaxDelay.TotalMilliseconds));
    }

    private static async ValueTask<AttemptOutcome<TResult>> AttemptOnceAsync<TState, TResult>(
        TState state,
        Func<TState, CancellationToken, ValueTask<AttemptOutcome<TResult>>> attempt,
        TimeSpan? timeout,
        AttemptDeadline deadline,
        CancellationToken abortToken)
    {
        if (timeout is not { } limit)
        {
            return Checked(await attempt(state, abortToken).ConfigureAwait(false), abortToken);
        }

        var token = deadline.Start(limit, abortToken, out var abortRegistration);
        try
        {
            return Checked(await attempt(state, token).ConfigureAwait(false), abortToken);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !abortToken.IsCancellationRequested)
        {
            return AttemptOutcome<TResult>.Failure(new WorkError(WorkError.TimeoutKind, $"timed out after {DurationFormat.Format(limit)}"), isTransient: true);
        }
        finally
        {
            await abortRegistration.DisposeAsync().ConfigureAwait(false);
            deadline.Stop();
        }
    }

    /// <summary>
    /// A handler that stops what it runs when its token fires (a process group, say) may return a failure instead of
    /// throwing: after an abort, that failure is the abort's.
    /// </summary>
    private static AttemptOutcome<TResult> Checked<TResult>(AttemptOutcome<TResult> outcome, CancellationToken abortToken)
    {
        if (outcome.Error is not null && abortToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(abortToken);
        }

        return outcome;
    }
}
