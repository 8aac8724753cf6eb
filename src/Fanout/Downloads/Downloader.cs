using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Fanout.Engine;
using Fanout.Http;

namespace Fanout.Downloads;

/// <summary>
/// Downloads files for a <see cref="WorkPool"/>: streamed to <c>NAME.part</c> through a fixed buffer,
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

    /// <summary>Creates the downloader and its connection pool.</summary>
    /// <param name="options">Where and how to download.</param>
    public Downloader(DownloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _client = HttpClientFactory.Create(new HttpJobOptions { MaxConnectionsPerServer = options.MaxConnectionsPerServer });
        _rate = options.LimitRate is { } rate ? new ByteRateLimiter(rate) : null;
        Directory.CreateDirectory(options.Directory);
    }

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
        var partPath = FileNames.Inside(_options.Directory, planned + ".part");
        var plannedPath = FileNames.Inside(_options.Directory, planned);
        if (_options.SkipExisting && item.Sha256 is { } expected && File.Exists(plannedPath)
            && string.Equals(await HashFileAsync(plannedPath, cancellationToken).ConfigureAwait(false), expected, StringComparison.OrdinalIgnoreCase))
        {
            return AttemptOutcome<DownloadResult>.Success(new DownloadResult { Path = Shown(planned), Bytes = new FileInfo(plannedPath).Length, Sha256 = expected.ToLowerInvariant(), Skipped = true });
        }

        var partLength = File.Exists(partPath) ? new FileInfo(partPath).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, item.Url);
        foreach (var (name, value) in _options.Headers.Concat(item.Headers))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (partLength > 0)
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(partLength, null);
        }

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(HttpCaller.NetworkErrorKind, WorkError.Flatten(ex.Message)), isTransient: true);
        }

        using (response)
        {
            return await ReceiveAsync(item, planned, partPath, partLength, response, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _client.Dispose();
        _rate?.Dispose();
    }

    private async ValueTask<AttemptOutcome<DownloadResult>> ReceiveAsync(DownloadItem item, string planned, string partPath, long partLength, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var result = new DownloadResult { StatusCode = status };
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && partLength > 0)
        {
            // The partial file is at least as long as the resource: start over.
            File.Delete(partPath);
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(ShortBodyKind, "partial file did not fit the server's copy; starting over"), result, isTransient: true, retryAfter: TimeSpan.Zero);
        }

        if (status >= 400)
        {
            var error = new WorkError(HttpCaller.HttpErrorKind, $"HTTP {status} {response.ReasonPhrase}".TrimEnd()) { StatusCode = status };
            return AttemptOutcome<DownloadResult>.Failure(error, result, HttpCaller.IsRetryableStatus(status));
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (_options.Accept.Count > 0 && !_options.Accept.Any(a => MediaTypeMatches(a, mediaType)))
        {
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(RejectedTypeKind, $"content type {mediaType ?? "(none)"} is not accepted (--accept {string.Join(',', _options.Accept)})"), result);
        }

        var resumed = response.StatusCode == HttpStatusCode.PartialContent && partLength > 0;
        var offset = resumed ? partLength : 0;
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
            if (_options.SkipExisting && total == existing && (item.Sha256 is null || string.Equals(await HashFileAsync(finalPath, cancellationToken).ConfigureAwait(false), item.Sha256, StringComparison.OrdinalIgnoreCase)))
            {
                File.Delete(partPath);
                return AttemptOutcome<DownloadResult>.Success(result with { Path = Shown(name), Bytes = existing, Skipped = true, Sha256 = item.Sha256?.ToLowerInvariant() });
            }

            if (!_options.Overwrite)
            {
                // A different file is in the way: keep it and take the next free name.
                name = _names.Claim(FileNames.Numbered(name, 1), candidate => !File.Exists(FileNames.Inside(_options.Directory, candidate)));
                finalPath = FileNames.Inside(_options.Directory, name);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
        Directory.CreateDirectory(Path.GetDirectoryName(partPath)!);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (resumed)
        {
            await HashIntoAsync(partPath, hash, cancellationToken).ConfigureAwait(false);
        }

        long received = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var file = new FileStream(partPath, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
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
                            break;
                        }

                        received += read;
                        if (offset + received > _options.MaxSize)
                        {
                            file.Close();
                            File.Delete(partPath);
                            return AttemptOutcome<DownloadResult>.Failure(new WorkError(TooLargeKind, string.Create(CultureInfo.InvariantCulture, $"more than {_options.MaxSize} bytes (--max-size)")), result with { Bytes = offset + received });
                        }

                        hash.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        if (_rate is not null)
                        {
                            await _rate.WaitAsync(read, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(StalledKind, $"no data for {DurationFormat.Format(_options.StallTimeout)} (stall timeout)"), result with { Bytes = offset + received, Resumed = resumed }, isTransient: true);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested && ex is not UnauthorizedAccessException)
        {
            // The connection broke: the partial file stays, so the retry resumes from it.
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(HttpCaller.NetworkErrorKind, "body: " + WorkError.Flatten(ex.Message)), result with { Bytes = offset + received, Resumed = resumed }, isTransient: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var size = offset + received;
        if (total is { } expectedSize && size != expectedSize)
        {
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(ShortBodyKind, string.Create(CultureInfo.InvariantCulture, $"got {size} of {expectedSize} bytes")), result with { Bytes = size, Resumed = resumed }, isTransient: true);
        }

        var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (item.Sha256 is { } wanted && !string.Equals(sha256, wanted, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(partPath);
            return AttemptOutcome<DownloadResult>.Failure(new WorkError(ChecksumKind, $"sha256 is {sha256}, expected {wanted.ToLowerInvariant()}"), result with { Bytes = size, Sha256 = sha256 });
        }

        File.Move(partPath, finalPath, overwrite: true);
        return AttemptOutcome<DownloadResult>.Success(result with { Path = Shown(name), Bytes = size, Sha256 = sha256, Resumed = resumed });
    }

    private string Shown(string relative) => Path.Combine(_options.Directory, relative);

    private static bool MediaTypeMatches(string accepted, string? mediaType) =>
        mediaType is not null
        && (accepted.Equals(mediaType, StringComparison.OrdinalIgnoreCase)
            || (accepted.EndsWith("/*", StringComparison.Ordinal) && mediaType.StartsWith(accepted[..^1], StringComparison.OrdinalIgnoreCase)));

    private static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await HashIntoAsync(path, hash, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task HashIntoAsync(string path, IncrementalHash hash, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
