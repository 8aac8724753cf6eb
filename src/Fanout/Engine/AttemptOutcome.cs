namespace Fanout.Engine;

/// <summary>
/// What one attempt at an item produced: a value, or an error that may be worth retrying.
/// A failure may still carry a value (an HTTP 500 still has a status, headers and a body).
/// </summary>
/// <typeparam name="TResult">The job's result type.</typeparam>
public readonly record struct AttemptOutcome<TResult>
{
    /// <summary>The value produced, present on success and optionally on failure.</summary>
    public TResult? Value { get; init; }

    /// <summary>The error, or <see langword="null"/> when the attempt succeeded.</summary>
    public WorkError? Error { get; init; }

    /// <summary>Whether another attempt might succeed (network error, 429, 5xx).</summary>
    public bool IsTransient { get; init; }

    /// <summary>How long the other side asked us to wait before retrying (HTTP <c>Retry-After</c>).</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Whether the item needed no work (a file already complete, a test that skipped itself): a success counted apart.</summary>
    public bool Skipped { get; init; }

    /// <summary>A successful attempt.</summary>
    /// <param name="value">The value produced.</param>
    /// <returns>The outcome.</returns>
    public static AttemptOutcome<TResult> Success(TResult value) => new() { Value = value };

    /// <summary>A successful attempt that found nothing to do.</summary>
    /// <param name="value">The value produced.</param>
    /// <returns>The outcome.</returns>
    public static AttemptOutcome<TResult> Skip(TResult value) => new() { Value = value, Skipped = true };

    /// <summary>A failed attempt.</summary>
    /// <param name="error">What went wrong.</param>
    /// <param name="value">Whatever the attempt still produced (a status, a partial body), if anything.</param>
    /// <param name="isTransient">Whether a retry might succeed.</param>
    /// <param name="retryAfter">The delay the other side asked for before a retry.</param>
    /// <returns>The outcome.</returns>
    public static AttemptOutcome<TResult> Failure(WorkError error, TResult? value = default, bool isTransient = false, TimeSpan? retryAfter = null) =>
        new() { Error = error, Value = value, IsTransient = isTransient, RetryAfter = retryAfter };
}
