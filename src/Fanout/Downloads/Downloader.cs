using System.Buffers;
using System.Globalization;
using System.Net;
using Fanout.Engine;
using Fanout.Files;
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
    private readonly ContainedDirectory _directory;
    private readonly DownloadState _state;
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
        _client = HttpClientFactory.Create(options.MaxConnectionsPerServer, HttpClientFactory.DefaultMaxRedirects, trustRedirects: options.TrustRedirects);
        _time = timeProvider ?? TimeProvider.System;
        _rate = options.LimitRate is { } rate ? new ByteRateLimiter(rate) : null;
        _directory = new ContainedDirectory(options.Directory);
        _state = new DownloadState(_directory);
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
                // A name holding another URL's file (or any file fanout did not complete) is not taken: a rerun with
                // part of the input (a --failed list) plans the names the first run gave.
                var wanted = item.Name is { } explicitName ? FileNames.SanitizeRelativePath(explicitName) : FileNames.FromUrl(item.Url);
                name = _names.Claim(wanted, candidate => _state.IsFreeFor(candidate, GetKey(item), _options.Overwrite));
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
        var url = GetKey(item);
        if (_options.SkipExisting && item.Sha256 is { } expected && _directory.Stat(planned).Type == Posix.EntryType.Regular
            && string.Equals(await PartFile.HashFileAsync(_directory, planned, cancellationToken).ConfigureAwait(false), expected, StringComparison.OrdinalIgnoreCase))
        {
            // The checksum proves it is the same content, whoever wrote it.
            return AttemptOutcome<DownloadResult>.Skip(new DownloadResult { Path = Shown(planned), Bytes = _directory.Stat(planned).Length, Sha256 = expected.ToLowerInvariant(), Skipped = true });
        }

        // A part is resumed only from the URL it was started from, and only while the server has the same version
        // (If-Range): a part from another download or another version of the file is thrown away, never spliced.
        var origin = _state.ReadPart(planned);
        await using var part = PartFile.At(_directory, DownloadState.PartPath(planned));
        if (part.Length > 0 && origin?.Url != url)
        {
            part.Delete();
            _state.DeletePart(planned);
            origin = null;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, item.Url);
        RedirectHandler.Apply(request, _options.Headers, item.Headers);
        if (part.Length > 0)
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(part.Length, null);
            if (origin?.ETag is { } etag && !etag.StartsWith("W/", StringComparison.Ordinal))
            {
                request.Headers.IfRange = new System.Net.Http.Headers.RangeConditionHeaderValue(etag);
            }
            else if (origin?.LastModified is { } modified)
            {
                request.Headers.IfRange = new System.Net.Http.Headers.RangeConditionHeaderValue(modified);
            }
        }

        // The stall timeout covers the wait for the response too: a server that never answers is a stall, not a hang.
        HttpResponseMessage response;
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            waiting.CancelAfter(_options.StallTimeout);
            try
            {
                response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, waiting.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                return HttpFailure.Network<DownloadResult>(ex);
            }
            catch (OperationCanceledException) when (waiting.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return AttemptOutcome<DownloadResult>.Failure(new WorkError(StalledKind, $"no response for {DurationFormat.Format(_options.StallTimeout)} (--stall-timeout)"), new DownloadResult(), isTransient: true);
            }
        }

        using (response)
        {
            return await ReceiveAsync(item, planned, part, origin, response, cancellationToken).ConfigureAwait(false);
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
    public Task<IReadOnlyList<DownloadItem>> ListAsync(string listing, string path, IReadOnlyList<string> conditions, Action<string> skipped, CancellationToken cancellationToken) =>
        ListAsync(listing, path, conditions, new ListingOptions(), skipped, cancellationToken);

    /// <summary>As the other overload, following the listing's pages and naming files from its entries.</summary>
    /// <param name="listing">The listing's URL.</param>
    /// <param name="path">Where the links are.</param>
    /// <param name="conditions">Filters on fields beside each link.</param>
    /// <param name="options">Pages, names, metadata.</param>
    /// <param name="skipped">Told about links left out and pages not read.</param>
    /// <param name="cancellationToken">Cancels the fetch.</param>
    /// <returns>The downloads, in listing order.</returns>
    public Task<IReadOnlyList<DownloadItem>> ListAsync(string listing, string path, IReadOnlyList<string> conditions, ListingOptions options, Action<string> skipped, CancellationToken cancellationToken)
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

        return JsonListing.FetchAsync(_client, url, path, conditions, _options.Headers, options, skipped, cancellationToken);
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
        _directory.Dispose();
    }

    private async ValueTask<AttemptOutcome<DownloadResult>> ReceiveAsync(DownloadItem item, string planned, PartFile part, DownloadState.Origin? partOrigin, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var url = GetKey(item);
        var result = new DownloadResult { StatusCode = status };
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && part.Length > 0)
        {
            // The partial file is at least as long as the resource: start over.
            part.Delete();
            _state.DeletePart(planned);
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

        var range = response.Content.Headers.ContentRange;
        var resumed = response.StatusCode == HttpStatusCode.PartialContent && part.Length > 0;
        if (resumed && (range?.From != part.Length || (partOrigin?.Length is { } known && range.Length != known)))
        {
            // Not the rest of the same file (another length, another offset): its bytes cannot follow the part's.
            part.Delete();
            _state.DeletePart(planned);
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(ShortBodyKind, "the server's copy changed since the partial file was started; starting over"), result, isTransient: true, retryAfter: TimeSpan.Zero);
        }

        var total = resumed ? range!.Length : response.Content.Headers.ContentLength;
        if (total > _options.MaxSize)
        {
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(TooLargeKind, string.Create(CultureInfo.InvariantCulture, $"{total} bytes is over the {_options.MaxSize}-byte limit (--max-size)")), result);
        }

        var version = new DownloadState.Origin(url, total, response.Headers.ETag?.ToString(), response.Content.Headers.LastModified);
        var name = item.Name is null && FileNames.FromContentDisposition(response.Content.Headers.ContentDisposition) is { } disposition && disposition != planned
            ? _names.Claim(disposition, candidate => _state.IsFreeFor(candidate, url, _options.Overwrite))
            : planned;
        var existing = _directory.Stat(name);
        if (existing.Type == Posix.EntryType.Regular && _state.ReadFile(name) is { } record && record.Url == url)
        {
            // Fanout's own download of this URL: skipped when the server still has that version.
            if (_options.SkipExisting && SameVersion(record, version, existing.Length)
                && (item.Sha256 is null || string.Equals(record.Sha256, item.Sha256, StringComparison.OrdinalIgnoreCase)))
            {
                part.Delete();
                _state.DeletePart(planned);
                return AttemptOutcome<DownloadResult>.Skip(result with { Path = Shown(name), Bytes = existing.Length, Skipped = true, Sha256 = record.Sha256 });
            }
        }
        else if (existing.Type != Posix.EntryType.Missing && !(_options.Overwrite && existing.Type == Posix.EntryType.Regular))
        {
            // Another file (or a directory, or a link) is in the way: keep it and take the next free name.
            name = _names.Claim(FileNames.Numbered(name, 1), candidate => _state.IsFreeFor(candidate, url, _options.Overwrite));
        }

        result = result with { Resumed = resumed };
        if (!resumed)
        {
            // What the part is started from, before its first byte: a later resume asks for this version only.
            _state.WritePart(planned, version);
        }

        await part.StartAsync(resumed, cancellationToken).ConfigureAwait(false);
        if (await ReceiveBodyAsync(part, response, result, cancellationToken).ConfigureAwait(false) is { } failed)
        {
            if (part.Length == 0)
            {
                // Nothing to resume from: no part left behind.
                part.Delete();
                _state.DeletePart(planned);
            }

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
            _state.DeletePart(planned);
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(ChecksumKind, $"sha256 is {sha256}, expected {wanted.ToLowerInvariant()}"), result with { Bytes = size, Sha256 = sha256 });
        }

        // The record first: a crash before the rename leaves a record and no file, which the next run downloads again.
        _state.WriteFile(name, (partOrigin ?? version) with { Length = part.Length, Sha256 = sha256 });
        part.MoveTo(name);
        _state.DeletePart(planned);
        if (item.Metadata is { } metadata)
        {
            WriteMetadata(name + ".json", metadata);
        }

        return AttemptOutcome<DownloadResult>.Success(result with { Path = Shown(name), Bytes = part.Length, Sha256 = sha256 });
    }

    /// <summary>
    /// Writes a file's listing entry beside it (<c>NAME.json</c>) as the file itself is written: under the directory
    /// only, no link followed, complete or not at all (a temporary name renamed into place).
    /// </summary>
    private void WriteMetadata(string relative, string json)
    {
        var temporary = relative + ".fanout-" + Guid.NewGuid().ToString("N")[..8];
        using (var stream = _directory.OpenWrite(temporary, append: false))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(json + "\n"));
            stream.Flush(flushToDisk: true);
        }

        _directory.Move(temporary, relative);
    }

    /// <summary>Whether the server's answer is the version a completed file was downloaded as: its validators, else its length.</summary>
    private static bool SameVersion(DownloadState.Origin record, DownloadState.Origin now, long fileLength)
    {
        if (now.Length is { } length && length != fileLength)
        {
            return false;
        }

        if (record.ETag is not null && now.ETag is not null)
        {
            return record.ETag == now.ETag;
        }

        if (record.LastModified is not null && now.LastModified is not null)
        {
            return record.LastModified == now.LastModified;
        }

        return now.Length is not null;
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

                    try
                    {
                        await part.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    }
                    catch (IOException ex)
                    {
                        // The disk, not the network: a full disk is not retried and stops the run (WorkError.DiskFullKind).
                        return AttemptOutcome<DownloadResult>.Failure(WorkError.FromException(ex), result with { Bytes = part.Length });
                    }

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
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(StalledKind, $"no data for {DurationFormat.Format(_options.StallTimeout)} (--stall-timeout)"), result with { Bytes = part.Length }, isTransient: true);
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
