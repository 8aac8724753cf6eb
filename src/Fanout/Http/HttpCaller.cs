using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Fanout.Engine;
using Fanout.Records;
using Fanout.Web;

namespace Fanout.Http;

/// <summary>
/// Makes HTTP requests for a <see cref="WorkPool"/>: one shared connection pool, bodies streamed with a
/// size limit, statuses and network errors classified for retry.
/// </summary>
/// <example>
/// <code>
/// using var caller = new HttpCaller(new HttpOptions());
/// var requests = urls.Select(u => new HttpItem("GET", new Uri(u)));
/// await foreach (var r in WorkPool.RunAsync(requests, caller, new WorkPoolOptions { Concurrency = 50, Retries = 2 }, ct)) { }
/// </code>
/// </example>
public sealed class HttpCaller : IWorkHandler<HttpItem, HttpResult>, IDisposable
{
    /// <summary>Error kind of a status of 400 or more.</summary>
    public const string HttpErrorKind = HttpFailure.HttpKind;

    /// <summary>Error kind of a connection, DNS or protocol failure.</summary>
    public const string NetworkErrorKind = HttpFailure.NetworkKind;

    /// <summary>Error kind of a body over <see cref="HttpOptions.MaxBodyBytes"/>.</summary>
    public const string TooLargeErrorKind = "too_large";

    private const int BufferSize = 1 << 16;
    private readonly HttpOptions _options;
    private readonly HttpClient _client;
    private readonly TimeProvider _time;

    /// <summary>Creates the caller and its connection pool.</summary>
    /// <param name="options">What to send and how to treat responses.</param>
    /// <param name="timeProvider">The clock used to read <c>Retry-After</c> dates; the system clock by default.</param>
    public HttpCaller(HttpOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _client = HttpClientFactory.Create(options.MaxConnectionsPerServer, options.MaxRedirects, options.ConnectTimeout, options.PooledConnectionLifetime, options.TrustRedirects);
        if (options.SaveBodiesDirectory is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
    }

    /// <inheritdoc/>
    public string GetKey(HttpItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Key ?? item.Url.OriginalString;
    }

    /// <summary>Requests are limited per host and port.</summary>
    /// <param name="item">The request.</param>
    /// <returns>The URL's authority.</returns>
    public string? GetPartition(HttpItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Url.Authority;
    }

    /// <inheritdoc/>
    public bool IsTransient(Exception exception) => exception is HttpRequestException or IOException;

    /// <inheritdoc/>
    public async ValueTask<AttemptOutcome<HttpResult>> HandleAsync(HttpItem item, AttemptContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        using var request = BuildRequest(item);
        var started = _time.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return HttpFailure.Network<HttpResult>(ex);
        }

        using (response)
        {
            return await ReadResponseAsync(response, context, started, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Turns an input line into a request: a plain URL (sent with the options' method, headers and body), or a JSONL
    /// spec <c>{"method","url","headers","body","key"}</c>, with <c>$VAR</c> in headers read from <paramref name="environment"/>.
    /// </summary>
    /// <param name="line">The line.</param>
    /// <param name="environment">Looks up a variable; <see langword="null"/> when unset.</param>
    /// <returns>The request; null for a line that holds none (the header of a CSV of rows, with a template).</returns>
    /// <exception cref="InputFormatException">The line is not a request.</exception>
    public HttpItem? ParseLine(InputLine line, Func<string, string?> environment) => HttpInput.Parse(line, _options, environment);

    /// <summary>Writes the output record of one request.</summary>
    /// <param name="result">The request's result.</param>
    /// <param name="fields">Where the fields go.</param>
    public static void WriteRecord(WorkResult<HttpItem, HttpResult> result, IRecordFieldWriter fields) => HttpRecord.Write(result, fields);

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    private HttpRequestMessage BuildRequest(HttpItem item)
    {
        var request = new HttpRequestMessage(new HttpMethod(item.Method), item.Url);
        var body = item.Body is { } text ? Encoding.UTF8.GetBytes(text) : _options.Body;
        if (body is { } bytes)
        {
            // The content first, so a Content-Type among the headers replaces the guess.
            request.Content = new ReadOnlyMemoryContent(bytes);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", GuessContentType(bytes.Span));
        }

        RedirectHandler.Apply(request, _options.Headers, item.Headers);
        return request;
    }

    private async ValueTask<AttemptOutcome<HttpResult>> ReadResponseAsync(HttpResponseMessage response, AttemptContext context, long started, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var declaredLength = response.Content.Headers.ContentLength;
        var result = new HttpResult
        {
            StatusCode = status,
            HttpVersion = response.Version.ToString(),
            ContentType = mediaType,
        };

        if (declaredLength > _options.MaxBodyBytes)
        {
            return AttemptOutcome<HttpResult>.Failure(TooLarge(declaredLength.Value), result with { Bytes = 0 });
        }

        // Expectations and extractions read the body even when the record leaves it out.
        var readBody = _options.Checks.Count > 0 || _options.Extract.Count > 0;
        var keepBody = _options.BodyMode != HttpBodyMode.None || readBody;
        using var body = keepBody ? new MemoryStream() : null;
        string? savedTo = null;
        long bytes = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                Records.AtomicFile? file = null;
                if (_options.SaveBodiesDirectory is { } directory)
                {
                    savedTo = Path.Combine(directory, BodyFileName(context, mediaType));
                    file = Records.AtomicFile.Create(savedTo);
                }

                await using (file)
                {
                    int read;
                    while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        bytes += read;
                        if (bytes > _options.MaxBodyBytes)
                        {
                            return AttemptOutcome<HttpResult>.Failure(TooLarge(bytes, atLeast: true), result with { Bytes = bytes });
                        }

                        body?.Write(buffer, 0, read);
                        if (file is not null)
                        {
                            await file.Stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        }
                    }

                    if (file is not null)
                    {
                        await file.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // The connection broke mid-body: worth another try.
            return HttpFailure.Network(ex, result with { Bytes = bytes }, "body");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        result = result with { Bytes = bytes, SavedTo = savedTo };
        string? text = null;
        if (body is not null)
        {
            var span = body.GetBuffer().AsSpan(0, (int)body.Length);
            result = WithBody(result, span, mediaType);
            text = readBody && System.Text.Unicode.Utf8.IsValid(span) ? Encoding.UTF8.GetString(span) : null;
            if (_options.BodyMode == HttpBodyMode.None)
            {
                result = result with { Body = null, BodyIsJson = false };
            }
        }

        if (!readBody)
        {
            return status < 400 ? AttemptOutcome<HttpResult>.Success(result) : HttpFailure.Status(response, result, _time);
        }

        using var input = new HttpCheckInput(status, _options.Checks.Any(c => c.NeedsHeaders) ? Headers(response) : null, text, _time.GetElapsedTime(started));
        result = result with { Extracted = [.. _options.Extract.Select(e => new KeyValuePair<string, string?>(e.Name, e.Take(input)))] };
        // A status expectation decides about the status; without one, a status of 400 or more fails (and may be retried).
        if (status >= 400 && !_options.Checks.Any(c => c.IsStatus))
        {
            return HttpFailure.Status(response, result, _time);
        }

        foreach (var check in _options.Checks)
        {
            string? failed;
            try
            {
                failed = check.Check(input);
            }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                failed = $"expected {check.Text}: its regular expression took over a second on this response";
            }

            if (failed is not null)
            {
                return AttemptOutcome<HttpResult>.Failure(new WorkError(HttpCheck.AssertionKind, failed), result);
            }
        }

        return AttemptOutcome<HttpResult>.Success(result);
    }

    private static Dictionary<string, string> Headers(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name] = string.Join(", ", values);
        }

        return headers;
    }

    private HttpResult WithBody(HttpResult result, ReadOnlySpan<byte> bytes, string? mediaType)
    {
        if (_options.BodyMode == HttpBodyMode.Auto && IsJsonMediaType(mediaType) && TryMinifyJson(bytes, out var json))
        {
            return result with { Body = json, BodyIsJson = true };
        }

        if (_options.BodyMode == HttpBodyMode.Text || IsTextMediaType(mediaType) || (mediaType is null && bytes.IndexOf((byte)0) < 0))
        {
            return result with { Body = Encoding.UTF8.GetString(bytes) };
        }

        return result;
    }

    private WorkError TooLarge(long bytes, bool atLeast = false) =>
        new(TooLargeErrorKind, string.Create(CultureInfo.InvariantCulture, $"body of {(atLeast ? "more than " : string.Empty)}{bytes} bytes is over the {_options.MaxBodyBytes}-byte limit (--max-body)"));

    private static bool TryMinifyJson(ReadOnlySpan<byte> bytes, out string json)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes);
            using var document = JsonDocument.ParseValue(ref reader);
            var output = new ArrayBufferWriter<byte>(bytes.Length);
            using (var writer = new Utf8JsonWriter(output, JsonText.Readable))
            {
                document.RootElement.WriteTo(writer);
            }

            json = Encoding.UTF8.GetString(output.WrittenSpan);
            return true;
        }
        catch (JsonException)
        {
            json = string.Empty;
            return false;
        }
    }

    private static bool IsJsonMediaType(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static bool IsTextMediaType(string? mediaType) =>
        mediaType is not null
        && (mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || IsJsonMediaType(mediaType)
            || mediaType.EndsWith("xml", StringComparison.OrdinalIgnoreCase)
            || mediaType.Contains("javascript", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase));

    private static string GuessContentType(ReadOnlySpan<byte> body)
    {
        var trimmed = body.TrimStart(" \t\r\n"u8);
        return trimmed.Length > 0 && (trimmed[0] == (byte)'{' || trimmed[0] == (byte)'[') ? "application/json"
            : System.Text.Unicode.Utf8.IsValid(body) ? "text/plain; charset=utf-8"
            : "application/octet-stream";
    }

    private static string BodyFileName(AttemptContext context, string? mediaType)
    {
        var extension = mediaType switch
        {
            _ when IsJsonMediaType(mediaType) => ".json",
            "text/html" => ".html",
            "text/csv" => ".csv",
            _ when mediaType?.EndsWith("xml", StringComparison.OrdinalIgnoreCase) == true => ".xml",
            _ when IsTextMediaType(mediaType) => ".txt",
            _ => ".bin",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{context.Index + 1:D6}{extension}");
    }
}
