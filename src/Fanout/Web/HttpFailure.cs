using Fanout.Engine;

namespace Fanout.Web;

/// <summary>How HTTP calls and downloads fail, told apart the same way for both: statuses, network errors, Retry-After.</summary>
internal static class HttpFailure
{
    /// <summary>Error kind of a status of 400 or more.</summary>
    public const string HttpKind = "http";

    /// <summary>Error kind of a connection, DNS or protocol failure.</summary>
    public const string NetworkKind = "network";

    /// <summary>Statuses worth another attempt: the server may answer differently later.</summary>
    public static bool IsRetryableStatus(int status) =>
        status is 408 or 425 or 429 or 500 or 502 or 503 or 504 or (>= 520 and <= 599);

    /// <summary>A response of 400 or more as a failed attempt: retryable by its status, after the delay it asks for.</summary>
    public static AttemptOutcome<T> Status<T>(HttpResponseMessage response, T value, TimeProvider time)
    {
        var status = (int)response.StatusCode;
        var error = new WorkError(HttpKind, $"HTTP {status} {response.ReasonPhrase}".TrimEnd()) { StatusCode = status };
        return AttemptOutcome<T>.Failure(error, value, IsRetryableStatus(status), RetryAfter(response, time));
    }

    /// <summary>Error kind of a chain of redirects longer than the limit (a loop, usually).</summary>
    public const string TooManyRedirectsKind = "too_many_redirects";

    /// <summary>
    /// A network failure (before or during the body) as a failed attempt worth another; too many redirects is a failure
    /// of its own kind, not worth another (the server would send the same chain).
    /// </summary>
    public static AttemptOutcome<T> Network<T>(Exception exception, T? value = default, string? stage = null) =>
        exception is HttpRequestException { HttpRequestError: HttpRequestError.ConfigurationLimitExceeded }
            ? AttemptOutcome<T>.Failure(new WorkError(TooManyRedirectsKind, exception.Message), value)
            : AttemptOutcome<T>.Failure(new WorkError(NetworkKind, stage is null ? Describe(exception) : $"{stage}: {Describe(exception)}"), value, isTransient: true);

    /// <summary>The delay a response asks for (Retry-After, as seconds or a date), or <see langword="null"/>.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>An exception's message with its inner causes (HttpRequestException wraps the socket error that names the real cause), on one line.</summary>
    public static string Describe(Exception exception)
    {
        var message = exception.Message;
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (!string.IsNullOrWhiteSpace(inner.Message) && !message.Contains(inner.Message, StringComparison.Ordinal))
            {
                message = $"{message} ({inner.Message})";
            }
        }

        return WorkError.Flatten(message);
    }
}
