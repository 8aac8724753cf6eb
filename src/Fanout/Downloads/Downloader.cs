using System.Buffers;
using System.Globalization;
using System.Net;
using Fanout.Engine;
using Fanout.Records;
using Fanout.Web;

namespace Fanout.Downloads;

/// <summary>
/// Downloads files for a <see cref="WorkPool"/>: streamed through a fixed buffer to a <see cref="PartFile"/>,
/// flushed and renamed only when complete and verified, resumed with a Range request on a rerun,
/// skipped when already complete. Names are sanitized so nothing is written outside the directory.
/// </summary>
public sealed class Downloader : IWorkHandler<DownloadItem, DownloadResult>, IDisposable
{
    /// <summary>Error kind of a response whose media type is not accepted.</summary>
    public const string RejectedTypeKind = "rejected_type";

    /// <summary>Error kind of a file over the size limit.</summary>
    public const string TooLargeKind = "too_large";

    /// <summary>Error kind of a body shorter than its Content-Length.</summary>
    public const string ShortBodyKind = "short_body";

    /// <summary>Error kind of a download that received nothing for the stall timeout.</summary>
    public const string StalledKind = "stalled";

    /// <summary>Error kind of a file whose sha256 is not the expected one.</summary>
    public const string ChecksumKind = "checksum";

    private const int BufferSize = 1 << 16;
    private readonly DownloadOptions _options;
    private readonly HttpClient _client;
    private readonly NameRegistry _names = new();
    private readonly ByteRateLimiter? _rate;
    private readonly Lock _planGate = new();
    private readonly Dictionary<DownloadItem, string> _planned = new(ReferenceEqualityComparer.Instance);
    private readonly TimeProvider _time;
    private long _bytesReceived;

    /// <summary>Creates the downloader and its connection pool.</summary>
    /// <param name="options">Where and how to download.</param>
    /// <param name="timeProvider">The clock used to read <c>Retry-After</c> dates; the system clock by default.</param>
    public Downloader(DownloadOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _client = HttpClientFactory.Create(options.MaxConnectionsPerServer, HttpClientFactory.DefaultMaxRedirects);
        _time = timeProvider ?? TimeProvider.System;
        _rate = options.LimitRate is { } rate ? new ByteRateLimiter(rate) : null;
        Directory.CreateDirectory(options.Directory);
    }

    /// <summary>Bytes received so far by every download, finished or not (what the progress and the summary show).</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <inheritdoc/>
    public string GetKey(DownloadItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Url.OriginalString;
    }

    /// <summary>Downloads are limited per host and port.</summary>
    /// <param name="item">The download.</param>
    /// <returns>The URL's authority.</returns>
    public string? GetPartition(DownloadItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Url.Authority;
    }

    /// <inheritdoc/>
    public bool IsTransient(Exception exception) => exception is HttpRequestException;

    /// <summary>
    /// Decides an item's file name before any download starts. Called in input order, it makes
    /// collisions within one input (<c>name (1).ext</c>) come out the same on every rerun, so a rerun
    /// finds its own partial and complete files. Items not planned are planned when they start.
    /// </summary>
    /// <param name="item">The download.</param>
    /// <returns>The name, relative to the directory.</returns>
    public string Plan(DownloadItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_planGate)
        {
            if (!_planned.TryGetValue(item, out var name))
            {
                var wanted = item.Name is { } explicitName ? FileNames.SanitizeRelativePath(explicitName) : FileNames.FromUrl(item.Url);
                name = _names.Claim(wanted, _ => true);
                _planned[item] = name;
            }

            return name;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<AttemptOutcome<DownloadResult>> HandleAsync(DownloadItem item, AttemptContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var planned = Plan(item);
        var plannedPath = FileNames.Inside(_options.Directory, planned);
        if (_options.SkipExisting && item.Sha256 is { } expected && File.Exists(plannedPath)
            && string.Equals(await PartFile.HashFileAsync(plannedPath, cancellationToken).ConfigureAwait(false), expected, StringComparison.OrdinalIgnoreCase))
        {
            return AttemptOutcome<DownloadResult>.Skip(new DownloadResult { Path = Shown(planned), Bytes = new FileInfo(plannedPath).Length, Sha256 = expected.ToLowerInvariant(), Skipped = true });
        }

        await using var part = PartFile.At(FileNames.Inside(_options.Directory, planned + ".part"));
        using var request = new HttpRequestMessage(HttpMethod.Get, item.Url);
        foreach (var (name, value) in _options.Headers.Concat(item.Headers))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (part.Length > 0)
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(part.Length, null);
        }

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return HttpFailure.Network<DownloadResult>(ex);
        }

        using (response)
        {
            return await ReceiveAsync(item, planned, part, response, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Lists the links of a JSON document (an API's gallery, say): the string values at <paramref name="path"/>
    /// (dotted keys, <c>[]</c> to step into every element of an array, e.g. <c>data[].link</c>) whose sibling fields
    /// meet every condition (<c>type in image/jpeg,image/png</c>, <c>nsfw=false</c>, <c>type!=video/mp4</c>). The
    /// listing is fetched with the options' headers; relative links are resolved against its URL, in document order.
    /// </summary>
    /// <param name="listing">The JSON document's URL (http or https).</param>
    /// <param name="path">Where the links are.</param>
    /// <param name="conditions">Filters on the fields beside each link.</param>
    /// <param name="skipped">Receives each link that is not a downloadable URL, with why.</param>
    /// <param name="cancellationToken">Cancels the fetch.</param>
    /// <returns>The downloads, in listing order.</returns>
    /// <exception cref="ArgumentException"><paramref name="listing"/> is not an http or https URL.</exception>
    /// <exception cref="FormatException">The path or a condition is malformed.</exception>
    /// <exception cref="InvalidDataException">The listing could not be fetched or is not JSON.</exception>
    public Task<IReadOnlyList<DownloadItem>> ListAsync(string listing, string path, IReadOnlyList<string> conditions, Action<string> skipped, CancellationToken cancellationToken)
    {
        Uri url;
        try
        {
            url = WebUrl.Parse(listing);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException(ex.Message, nameof(listing), ex);
        }

        return JsonListing.FetchAsync(_client, url, path, conditions, _options.Headers, skipped, cancellationToken);
    }

    /// <summary>
    /// Turns an input line into a download: <c>URL</c>, <c>URL NAME</c>, or JSONL <c>{"url","path","sha256","headers"}</c>,
    /// with <c>$VAR</c> in headers read from <paramref name="environment"/>; its name is planned at once (see <see cref="Plan"/>).
    /// </summary>
    /// <param name="line">The line.</param>
    /// <param name="environment">Looks up a variable; <see langword="null"/> when unset.</param>
    /// <returns>The download.</returns>
    /// <exception cref="InputFormatException">The line is not a download.</exception>
    public DownloadItem ParseLine(InputLine line, Func<string, string?> environment)
    {
        var item = DownloadInput.Parse(line, environment);
        Plan(item);
        return item;
    }

    /// <summary>Writes the output record of one download.</summary>
    /// <param name="result">The download's result.</param>
    /// <param name="fields">Where the fields go.</param>
    public static void WriteRecord(WorkResult<DownloadItem, DownloadResult> result, IRecordFieldWriter fields) => DownloadRecord.Write(result, fields);

    /// <inheritdoc/>
    public void Dispose()
    {
        _client.Dispose();
        _rate?.Dispose();
    }

    private async ValueTask<AttemptOutcome<DownloadResult>> ReceiveAsync(DownloadItem item, string planned, PartFile part, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var result = new DownloadResult { StatusCode = status };
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && part.Length > 0)
        {
            // The partial file is at least as long as the resource: start over.
            part.Delete();
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(ShortBodyKind, "partial file did not fit the server's copy; starting over"), result, isTransient: true, retryAfter: TimeSpan.Zero);
        }

        if (status >= 400)
        {
            return HttpFailure.Status(response, result, _time);
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (_options.Accept.Count > 0 && !_options.Accept.Any(a => MediaTypeMatches(a, mediaType)))
        {
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(RejectedTypeKind, $"content type {mediaType ?? "(none)"} is not accepted (--accept {string.Join(',', _options.Accept)})"), result);
        }

        var resumed = response.StatusCode == HttpStatusCode.PartialContent && part.Length > 0;
        var total = resumed ? response.Content.Headers.ContentRange?.Length : response.Content.Headers.ContentLength;
        if (total > _options.MaxSize)
        {
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(TooLargeKind, string.Create(CultureInfo.InvariantCulture, $"{total} bytes is over the {_options.MaxSize}-byte limit (--max-size)")), result);
        }

        var name = item.Name is null && FileNames.FromContentDisposition(response.Content.Headers.ContentDisposition) is { } disposition && disposition != planned
            ? _names.Claim(disposition, _ => true)
            : planned;
        var finalPath = FileNames.Inside(_options.Directory, name);
        if (File.Exists(finalPath))
        {
            var existing = new FileInfo(finalPath).Length;
            if (_options.SkipExisting && total == existing && (item.Sha256 is null || string.Equals(await PartFile.HashFileAsync(finalPath, cancellationToken).ConfigureAwait(false), item.Sha256, StringComparison.OrdinalIgnoreCase)))
            {
                part.Delete();
                return AttemptOutcome<DownloadResult>.Skip(result with { Path = Shown(name), Bytes = existing, Skipped = true, Sha256 = item.Sha256?.ToLowerInvariant() });
            }

            if (!_options.Overwrite)
            {
                // A different file is in the way: keep it and take the next free name.
                name = _names.Claim(FileNames.Numbered(name, 1), candidate => !File.Exists(FileNames.Inside(_options.Directory, candidate)));
                finalPath = FileNames.Inside(_options.Directory, name);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
        result = result with { Resumed = resumed };
        await part.StartAsync(resumed, cancellationToken).ConfigureAwait(false);
        if (await ReceiveBodyAsync(part, response, result, cancellationToken).ConfigureAwait(false) is { } failed)
        {
            return failed;
        }

        var sha256 = await part.FinishAsync(cancellationToken).ConfigureAwait(false);
        if (total is { } expectedSize && part.Length != expectedSize)
        {
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(ShortBodyKind, string.Create(CultureInfo.InvariantCulture, $"got {part.Length} of {expectedSize} bytes")), result with { Bytes = part.Length }, isTransient: true);
        }

        if (item.Sha256 is { } wanted && !string.Equals(sha256, wanted, StringComparison.OrdinalIgnoreCase))
        {
            var size = part.Length;
            part.Delete();
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(ChecksumKind, $"sha256 is {sha256}, expected {wanted.ToLowerInvariant()}"), result with { Bytes = size, Sha256 = sha256 });
        }

        part.MoveTo(finalPath);
        return AttemptOutcome<DownloadResult>.Success(result with { Path = Shown(name), Bytes = part.Length, Sha256 = sha256 });
    }

    /// <summary>Streams the body into the part, within the size limit, the rate limit and the stall timeout; a failure, or <see langword="null"/>.</summary>
    private async Task<AttemptOutcome<DownloadResult>?> ReceiveBodyAsync(PartFile part, HttpResponseMessage response, DownloadResult result, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var chunk = _rate is null ? BufferSize : Math.Min(BufferSize, _rate.ChunkLimit);
                while (true)
                {
                    stall.CancelAfter(_options.StallTimeout);
                    var read = await body.ReadAsync(buffer.AsMemory(0, chunk), stall.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return null;
                    }

                    if (part.Length + read > _options.MaxSize)
                    {
                        part.Delete();
                        return AttemptOutcome<DownloadResult>.Failure(new WorkError(TooLargeKind, string.Create(CultureInfo.InvariantCulture, $"more than {_options.MaxSize} bytes (--max-size)")), result with { Bytes = part.Length + read });
                    }

                    await part.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    Interlocked.Add(ref _bytesReceived, read);
                    if (_rate is not null)
                    {
                        await _rate.WaitAsync(read, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(StalledKind, $"no data for {DurationFormat.Format(_options.StallTimeout)} (stall timeout)"), result with { Bytes = part.Length }, isTransient: true);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested && ex is not UnauthorizedAccessException)
        {
            // The connection broke: the part stays, so the retry resumes from it.
            return HttpFailure.Network(ex, result with { Bytes = part.Length }, "body");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private string Shown(string relative) => Path.Combine(_options.Directory, relative);

    private static bool MediaTypeMatches(string accepted, string? mediaType) =>
        mediaType is not null
        && (accepted.Equals(mediaType, StringComparison.OrdinalIgnoreCase)
            || (accepted.EndsWith("/*", StringComparison.Ordinal) && mediaType.StartsWith(accepted[..^1], StringComparison.OrdinalIgnoreCase)));
}
