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

    public static async ValueTask<AttemptOutcome<TResult>> RunAsync<TState, TResult>(
        TState state,
        Func<TState, CancellationToken, ValueTask<AttemptOutcome<TResult>>> attempt,
        WorkPoolOptions options,
        AttemptDeadline deadline,
        CancellationToken abortToken)
    {
        var time = options.TimeProvider;
        for (var retry = 0; ; retry++)
        {
            var outcome = await AttemptOnceAsync(state, attempt, options, deadline, abortToken).ConfigureAwait(false);
            if (outcome.Error is null || !outcome.IsTransient || retry >= options.Retries)
            {
                return outcome;
            }

            var delay = outcome.RetryAfter is { } retryAfter
                ? (retryAfter > options.MaxRetryAfter ? options.MaxRetryAfter : retryAfter)
                : Backoff(options, retry);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, time, abortToken).ConfigureAwait(false);
            }
        }
    }

    internal static TimeSpan Backoff(WorkPoolOptions options, int retry)
    {
        var exponential = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, retry);
        var capped = Math.Min(exponential, options.RetryMaxDelay.TotalMilliseconds);
        var jitter = 1 + (JitterFraction * ((Random.Shared.NextDouble() * 2) - 1));
        return TimeSpan.FromMilliseconds(Math.Min(capped * jitter, options.RetryMaxDelay.TotalMilliseconds));
    }

    private static async ValueTask<AttemptOutcome<TResult>> AttemptOnceAsync<TState, TResult>(
        TState state,
        Func<TState, CancellationToken, ValueTask<AttemptOutcome<TResult>>> attempt,
        WorkPoolOptions options,
        AttemptDeadline deadline,
        CancellationToken abortToken)
    {
        if (options.AttemptTimeout is not { } timeout)
        {
            return await attempt(state, abortToken).ConfigureAwait(false);
        }

        var token = deadline.Start(timeout, abortToken, out var abortRegistration);
        try
        {
            return await attempt(state, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !abortToken.IsCancellationRequested)
        {
            return AttemptOutcome<TResult>.Failure(new WorkError(WorkError.TimeoutKind, $"timed out after {DurationFormat.Format(timeout)}"), isTransient: true);
        }
        finally
        {
            await abortRegistration.DisposeAsync().ConfigureAwait(false);
            deadline.Stop();
        }
    }
}
