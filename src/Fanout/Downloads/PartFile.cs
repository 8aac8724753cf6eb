using System.Buffers;
using System.Security.Cryptography;
using Fanout.Files;

namespace Fanout.Downloads;

/// <summary>
/// Where a download's bytes go until the file is complete: started fresh or resumed (its bytes so far hashed, new
/// ones appended), flushed to disk, checked against the expected sha256, and only then renamed to the final name, so
/// a crash never leaves a half file under it. A part that fails mid-body stays on disk for the next attempt to resume.
/// Parts live in fanout's own directory (<see cref="DownloadState"/>), where no download's final name can be, and are
/// opened through the <see cref="ContainedDirectory"/>, never through a link.
/// </summary>
internal sealed class PartFile : IAsyncDisposable
{
    private const int BufferSize = 1 << 16;
    private readonly ContainedDirectory _directory;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private FileStream? _stream;

    private PartFile(ContainedDirectory directory, string path, long length)
    {
        _directory = directory;
        Path = path;
        Length = length;
    }

    /// <summary>The part's path under the directory.</summary>
    public string Path { get; }

    /// <summary>Bytes in the part: on disk when opened, then as written.</summary>
    public long Length { get; private set; }

    /// <summary>The part at <paramref name="path"/>, with what an earlier attempt or run left there (nothing, if that is not a regular file).</summary>
    public static PartFile At(ContainedDirectory directory, string path) =>
        new(directory, path, directory.Stat(path) is { Type: Posix.EntryType.Regular } entry ? entry.Length : 0);

    /// <summary>Opens the part to write: appending to what is there (hashing it first) when resuming, else from nothing.</summary>
    public async Task StartAsync(bool resume, CancellationToken cancellationToken)
    {
        if (resume)
        {
            var existing = _directory.OpenRead(Path);
            await using (existing.ConfigureAwait(false))
            {
                await HashIntoAsync(existing, _hash, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            Length = 0;
        }

        _stream = _directory.OpenWrite(Path, append: resume);
    }

    /// <summary>Appends bytes received.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        _hash.AppendData(bytes.Span);
        await _stream!.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        Length += bytes.Length;
    }

    /// <summary>Flushes the part to disk and closes it.</summary>
    /// <returns>The sha256 of its whole content, lower-case hex.</returns>
    public async Task<string> FinishAsync(CancellationToken cancellationToken)
    {
        await _stream!.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stream.Flush(flushToDisk: true);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _stream = null;
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    /// <summary>Gives the complete part its final name (under the directory), replacing what is there.</summary>
    public void MoveTo(string finalPath) => _directory.Move(Path, finalPath);

    /// <summary>Throws the part away (it cannot be resumed: too large, wrong checksum, or not the server's copy).</summary>
    public void Delete()
    {
        _stream?.Dispose();
        _stream = null;
        _directory.Delete(Path);
        Length = 0;
    }

    /// <summary>Closes the part if open; what it holds stays for a later resume.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }

        _hash.Dispose();
    }

    /// <summary>The sha256 of a file under the directory, lower-case hex.</summary>
    public static async Task<string> HashFileAsync(ContainedDirectory directory, string path, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var stream = directory.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            await HashIntoAsync(stream, hash, cancellationToken).ConfigureAwait(false);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task HashIntoAsync(Stream stream, IncrementalHash hash, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
