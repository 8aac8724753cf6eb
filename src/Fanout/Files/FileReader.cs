using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Files;

/// <summary>
/// Reads files for a <see cref="WorkPool"/>: one pass per file through a pooled buffer computes size,
/// line count, digest, encoding, matches and (capped) content, so memory stays flat for any file size.
/// Hashing and counting are CPU work that runs on all cores at once: .NET has no interpreter lock.
/// </summary>
public sealed class FileReader(FileReadOptions options) : IWorkHandler<FileReadItem, FileReadResult>
{
    /// <summary>Error kind of a path that does not exist (or vanished).</summary>
    public const string NotFoundKind = "not_found";

    /// <summary>Error kind of a directory or file that may not be read.</summary>
    public const string PermissionDeniedKind = "permission_denied";

    /// <summary>Error kind of a FIFO, socket or device.</summary>
    public const string NotRegularKind = "not_regular_file";

    /// <summary>Error kind of a symbolic link that leads back into its own ancestry.</summary>
    public const string SymlinkLoopKind = "symlink_loop";

    /// <summary>Error kind of a read that failed part-way (an I/O error).</summary>
    public const string IoErrorKind = "io";

    /// <summary>Error kind of a compressed file (<see cref="FileReadOptions.Decompress"/>) that is cut short or damaged.</summary>
    public const string CorruptKind = "corrupt";

    /// <summary>Bytes looked at to tell text from binary, as git does.</summary>
    private const int SniffBytes = 8000;

    /// <inheritdoc/>
    public string GetKey(FileReadItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.DisplayPath;
    }

    /// <summary>
    /// Finds the files named by <paramref name="arguments"/>, lazily and in a stable order: files as they are,
    /// directories recursively, globs (<c>logs/**/*.log</c>) from their literal base directory, and <c>-</c> for a
    /// list of paths on standard input, leaving out <see cref="FileReadOptions.Excludes"/>, hidden files and what ignore
    /// files name (unless <see cref="FileReadOptions.Hidden"/>, <see cref="FileReadOptions.NoIgnore"/>). Problems (a missing
    /// path, a symlink loop) become items that carry their error, so the run reports them and goes on.
    /// </summary>
    /// <param name="arguments">Files, directories, globs, or <c>-</c>.</param>
    /// <param name="openStandardInput">Opens standard input for <c>-</c>.</param>
    /// <param name="cancellationToken">Stops the search.</param>
    /// <returns>The files.</returns>
    public IAsyncEnumerable<FileReadItem> FindAsync(IReadOnlyList<string> arguments, Func<Stream> openStandardInput, CancellationToken cancellationToken = default)
    {
        var found = FileFinder.FindAsync(arguments, options, openStandardInput, cancellationToken);
        return options.MinSize is null && options.MaxSize is null && options.ModifiedAfter is null ? found : found.Where(Selected);
    }

    /// <summary>Whether a file meets --size and --newer (a file that cannot be looked at is kept: its record says why).</summary>
    private bool Selected(FileReadItem item)
    {
        if (item.Problem is not null || item.RawPath is not null)
        {
            return true;
        }

        try
        {
            var info = new FileInfo(item.Path);
            return (options.MinSize is not { } least || info.Length >= least)
                && (options.MaxSize is not { } most || info.Length <= most)
                && (options.ModifiedAfter is not { } after || info.LastWriteTimeUtc > after.UtcDateTime);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>The paths among <paramref name="arguments"/> named as they are (not globs, not <c>-</c>) that do not exist.</summary>
    /// <param name="arguments">Files, directories, globs, or <c>-</c>.</param>
    /// <returns>The missing ones, in order.</returns>
    public static IReadOnlyList<string> MissingPaths(IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return [.. arguments.Where(a => a != InputReader.StandardInputName && !Glob.HasWildcards(a) && FileKind.Of(a) == FileKind.Kind.Missing)];
    }

    /// <summary>Opens a file by its name's bytes (a name that is not UTF-8).</summary>
    private static Microsoft.Win32.SafeHandles.SafeFileHandle OpenRaw(byte[] path, string shown)
    {
        var handle = Posix.OpenAt(null, path, Posix.ReadOnly | Posix.NonBlocking);
        if (handle.IsInvalid)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw Posix.Error(errno, shown);
        }

        return handle;
    }

    /// <summary>Writes the output record of one file.</summary>
    /// <param name="result">The file's result.</param>
    /// <param name="fields">Where the fields go.</param>
    public void WriteRecord(WorkResult<FileReadItem, FileReadResult> result, IRecordFieldWriter fields) => FileReadRecord.Write(result, fields, options);

    /// <inheritdoc/>
    public ValueTask<AttemptOutcome<FileReadResult>> HandleAsync(FileReadItem item, AttemptContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Problem is { } problem)
        {
            return ValueTask.FromResult(AttemptOutcome<FileReadResult>.Failure(problem));
        }

        try
        {
            return ValueTask.FromResult(AttemptOutcome<FileReadResult>.Success(Read(item, cancellationToken)));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Fail(NotFoundKind, "vanished before it was read");
        }
        catch (UnauthorizedAccessException)
        {
            return Fail(PermissionDeniedKind, "permission denied");
        }
        catch (IOException ex)
        {
            return Fail(IoErrorKind, WorkError.Flatten(ex.Message));
        }
        catch (FormatException ex)
        {
            return Fail(CorruptKind, WorkError.Flatten(ex.Message));
        }

        static ValueTask<AttemptOutcome<FileReadResult>> Fail(string kind, string message) =>
            ValueTask.FromResult(AttemptOutcome<FileReadResult>.Failure(new WorkError(kind, message)));
    }

    private FileReadResult Read(FileReadItem item, CancellationToken cancellationToken)
    {
        using var handle = item.RawPath is { } raw ? OpenRaw(raw, item.DisplayPath) : File.OpenHandle(item.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        var modified = File.GetLastWriteTimeUtc(handle);
        using var hash = FileDigest.Create(options.Hash);
        var buffer = ArrayPool<byte>.Shared.Rent(options.BufferSize);
        Stream? decompressed = null;
        try
        {
            var compression = options.Decompress ? CompressedInput.FormatOf(buffer.AsSpan(0, RandomAccess.Read(handle, buffer.AsSpan(0, 4), 0))) : null;
            if (compression is not null)
            {
                // The digest is the stored file's (what sha256sum and a manifest see); the rest reads the text inside.
                DigestWhole(handle, hash, buffer, cancellationToken);
                decompressed = CompressedInput.Open(item.DisplayPath, new FileStream(handle, FileAccess.Read, 1));
            }

            long offset = 0;
            long lines = 0;
            string? encoding = null;
            LineGrep? grep = null;
            LineGrep? extract = null;
            Utf16Text? utf16 = null;
            ArrayBufferWriter<byte>? content = null;
            var contentTruncated = false;
            int read;
            while ((read = decompressed is null
                ? RandomAccess.Read(handle, buffer.AsSpan(0, options.BufferSize), offset)
                : decompressed.ReadAtLeast(buffer.AsSpan(0, options.BufferSize), options.BufferSize, throwOnEndOfStream: false)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var chunk = buffer.AsSpan(0, read);

                // What line counts and --grep read: the text, without its byte order mark, as UTF-8.
                ReadOnlySpan<byte> text = chunk;
                if (encoding is null)
                {
                    encoding = DetectEncoding(chunk, isWholeFile: read < options.BufferSize);
                    if (encoding != "binary")
                    {
                        grep = options.Grep is { } regex && encoding != "unknown" ? new LineGrep(regex, options.MaxMatches, options.InvertMatch, options.ContextBefore, options.ContextAfter) : null;
                        extract = options.Extract is { } rows && encoding != "unknown" ? new LineGrep(rows, int.MaxValue) : null;
                        content = options.IncludeContent ? new ArrayBufferWriter<byte>() : null;
                    }

                    utf16 = encoding.StartsWith("utf-16", StringComparison.Ordinal) ? new Utf16Text(bigEndian: encoding == "utf-16be-bom") : null;
                    text = encoding == "utf-8-bom" ? chunk[3..] : utf16 is not null ? chunk[2..] : chunk;
                }

                if (utf16 is not null)
                {
                    text = utf16.Next(text);
                }

                if (decompressed is null)
                {
                    hash?.Append(chunk);
                }

                lines += text.Count((byte)'\n');
                grep?.Feed(text);
                extract?.Feed(text);
                if (content is not null && !contentTruncated)
                {
                    var room = (int)Math.Min(chunk.Length, options.MaxContentBytes - content.WrittenCount);
                    content.Write(chunk[..room]);
                    contentTruncated = room < chunk.Length;
                }

                offset += read;
            }

            if (utf16 is not null)
            {
                var rest = utf16.Next([], flush: true);
                lines += rest.Count((byte)'\n');
                grep?.Feed(rest);
                extract?.Feed(rest);
            }

            grep?.Finish();
            extract?.Finish();
            encoding ??= "utf-8";
            return new FileReadResult
            {
                Bytes = decompressed is null ? offset : RandomAccess.GetLength(handle),
                Compression = compression,
                UncompressedBytes = decompressed is null ? null : offset,
                Lines = lines,
                Hash = hash?.Finish(),
                Modified = new DateTimeOffset(modified, TimeSpan.Zero),
                Encoding = encoding,
                MatchCount = options.Grep is null ? null : grep?.MatchCount ?? 0,
                Matches = options.Grep is null ? null : grep?.Matches ?? [],
                Content = content is null ? null : Decode(content.WrittenSpan, encoding),
                ContentTruncated = contentTruncated,
                Rows = options.Extract is { } pattern ? ExtractedRows.Of(pattern, item.DisplayPath, extract?.Matches ?? []) : null,
            };
        }
        finally
        {
            decompressed?.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Digests the whole file as stored, through <paramref name="buffer"/>.</summary>
    private void DigestWhole(Microsoft.Win32.SafeHandles.SafeFileHandle handle, FileDigest? hash, byte[] buffer, CancellationToken cancellationToken)
    {
        if (hash is null)
        {
            return;
        }

        long offset = 0;
        int read;
        while ((read = RandomAccess.Read(handle, buffer.AsSpan(0, options.BufferSize), offset)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hash.Append(buffer.AsSpan(0, read));
            offset += read;
        }
    }

    internal static string DetectEncoding(ReadOnlySpan<byte> start, bool isWholeFile)
    {
        if (start.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return "utf-8-bom";
        }

        if (start.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return "utf-16le-bom";
        }

        if (start.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return "utf-16be-bom";
        }

        var sniff = start[..Math.Min(start.Length, SniffBytes)];
        if (sniff.Contains((byte)0))
        {
            return "binary";
        }

        // Only the start is checked; a multi-byte character cut by the buffer's end is not an error.
        var sample = start[..Math.Min(start.Length, 1 << 16)];
        if (System.Text.Ascii.IsValid(sample))
        {
            // The common case, checked in place: decoding 64 KiB of every file only to validate it was
            // a fifth of the CPU of a `read --grep` over many files.
            return "utf-8";
        }

        var chars = ArrayPool<char>.Shared.Rent(sample.Length);
        try
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(sample, chars, out _, out _, replaceInvalidSequences: false, isFinalBlock: isWholeFile && sample.Length == start.Length);
            return status == OperationStatus.InvalidData ? "unknown" : "utf-8";
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static string Decode(ReadOnlySpan<byte> bytes, string encoding) => encoding switch
    {
        "utf-8-bom" => Encoding.UTF8.GetString(bytes[3..]),
        "utf-16le-bom" => Encoding.Unicode.GetString(bytes[2..]),
        "utf-16be-bom" => Encoding.BigEndianUnicode.GetString(bytes[2..]),
        _ => Encoding.UTF8.GetString(bytes),
    };

    /// <summary>The record field that holds a digest (<c>sha256</c>, <c>blake3</c>, ...).</summary>
    /// <param name="algorithm">The digest.</param>
    /// <returns>The field's name.</returns>
    public static string FieldName(FileHashAlgorithm algorithm) => algorithm.ToString().ToLower(CultureInfo.InvariantCulture);
}
