using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace Fanout.Records;

/// <summary>Reads input lines from files and standard input, lazily, with their locations.</summary>
public static class InputReader
{
    /// <summary>The name that stands for standard input.</summary>
    public const string StandardInputName = "-";

    // Lines (URLs, commands, paths) are short: a small chunk lets the first item start as soon as it is read.
    private const int LineChunkBytes = 1 << 14;

    /// <summary>
    /// Reads the lines of each source in turn, skipping blank lines and lines starting with <c>#</c>
    /// (the rule of <see cref="TextChunk.ForEachLine"/>), each trimmed of spaces and tabs. No sources means
    /// standard input. Input is UTF-8 (a byte order mark is dropped); UTF-16 and UTF-32 input is an error.
    /// </summary>
    /// <param name="sources">File paths; <c>-</c> is standard input.</param>
    /// <param name="openStandardInput">Opens standard input when it is asked for.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The lines.</returns>
    /// <exception cref="FormatException">A source is not UTF-8.</exception>
    public static async IAsyncEnumerable<InputLine> ReadLinesAsync(
        IReadOnlyList<string> sources,
        Func<Stream> openStandardInput,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var lines = new List<InputLine>();
        await foreach (var chunk in ReadChunksAsync(sources, openStandardInput, LineChunkBytes, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            chunk.ForEachLine((chunk, lines), static (state, number, start, length) =>
                state.lines.Add(new InputLine(state.chunk.Source, number, Encoding.UTF8.GetString(state.chunk.Bytes, start, length))));
            ArrayPool<byte>.Shared.Return(chunk.Bytes);
            foreach (var line in lines)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return line;
            }

            lines.Clear();
        }
    }

    /// <summary>
    /// Reads each source in turn as chunks of whole lines of raw bytes, for parsers that work on UTF-8
    /// directly (no string per line). A UTF-8 byte order mark is dropped; UTF-16 and UTF-32 input is an
    /// error. No sources means standard input. Chunk buffers are rented from <see cref="ArrayPool{T}.Shared"/>
    /// (<see cref="TextChunk.PooledBuffer"/>): a consumer may give them back once nothing points into them.
    /// </summary>
    /// <param name="sources">File paths; <c>-</c> is standard input.</param>
    /// <param name="openStandardInput">Opens standard input when it is asked for.</param>
    /// <param name="chunkBytes">About how many bytes a chunk holds (more when one line is longer).</param>
    /// <param name="quotedLineBreaks">
    /// Whether a line break inside double quotes belongs to the record (CSV): chunks then end only where a record
    /// ends, so each can be parsed on its own. A quote that is never closed runs to the end of its source.
    /// </param>
    /// <param name="reshape">Turns each opened source (by its name) into the lines to read, e.g. a JSON array into JSON lines (<see cref="JsonRecordsInput"/>); null for none.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The chunks, in order.</returns>
    /// <exception cref="FormatException">A source is not UTF-8.</exception>
    internal static async IAsyncEnumerable<TextChunk> ReadChunksAsync(
        IReadOnlyList<string> sources,
        Func<Stream> openStandardInput,
        int chunkBytes = 1 << 16,
        bool quotedLineBreaks = false,
        Func<string, Stream, Stream>? reshape = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(openStandardInput);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 16);
        IReadOnlyList<string> names = sources.Count == 0 ? [StandardInputName] : sources;
        foreach (var name in names)
        {
            var opened = Open(name, openStandardInput);
            var regularFile = opened.CanSeek;
            using var stream = reshape is null ? opened : reshape(name, opened);
            var buffer = ArrayPool<byte>.Shared.Rent(chunkBytes);
            var filled = 0;
            long line = 1;
            var first = true;
            while (true)
            {
                if (filled == buffer.Length)
                {
                    // One line longer than the buffer: grow until it fits.
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = regularFile
                    ? stream.Read(buffer.AsSpan(filled))
                    : await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                filled += read;
                // Checked once, before the first chunk can go out: at 4 bytes, the first newline or the end.
                if (first && (read == 0 || filled >= 4 || buffer.AsSpan(0, filled).Contains((byte)'\n')))
                {
                    first = false;
                    filled = DropByteOrderMark(name, buffer, filled);
                }

                if (read == 0)
                {
                    if (filled > 0)
                    {
                        yield return new TextChunk(name, line, buffer, filled, buffer.AsSpan(0, filled).Count((byte)'\n')) { PooledBuffer = true };
                    }
                    else
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }

                    break;
                }

                var end = (quotedLineBreaks ? LastRecordEnd(buffer.AsSpan(0, filled)) : buffer.AsSpan(0, filled).LastIndexOf((byte)'\n')) + 1;
                if (end == 0)
                {
                    // No whole line yet: keep reading. Whole lines go out at once, even a few from a slow
                    // pipe, so a trickling producer's records are not held back waiting for more.
                    continue;
                }

                var next = ArrayPool<byte>.Shared.Rent(Math.Max(chunkBytes, filled - end + 1));
                buffer.AsSpan(end, filled - end).CopyTo(next);
                var newlines = buffer.AsSpan(0, end).Count((byte)'\n');
                yield return new TextChunk(name, line, buffer, end, newlines) { PooledBuffer = true };
                line += newlines;
                (buffer, filled) = (next, filled - end);
            }
        }
    }

    /// <summary>The last line break outside double quotes, or -1. The span starts where a record starts.</summary>
    private static int LastRecordEnd(ReadOnlySpan<byte> text)
    {
        // RFC 4180 doubles a quote inside a quoted field, so the count of quotes before a line break is even exactly
        // when the break is outside quotes.
        var last = -1;
        var quoted = false;
        for (var at = 0; ;)
        {
            var next = text[at..].IndexOfAny((byte)'"', (byte)'\n');
            if (next < 0)
            {
                return last;
            }

            at += next;
            if (text[at] == (byte)'"')
            {
                quoted = !quoted;
            }
            else if (!quoted)
            {
                last = at;
            }

            at++;
        }
    }

    /// <summary>
    /// Opens a source. Callers read a regular file (seekable) synchronously: on Linux an "asynchronous"
    /// file read is a blocking read queued to the thread pool, and that hop made the first line take
    /// 12-18 ms at start-up. Pipes and terminals (stdin, <c>&lt;(...)</c>) are read asynchronously: they
    /// may wait for their writer. A file that starts with gzip's or zstd's magic bytes is read decompressed
    /// (<c>rows.jsonl.gz</c>, whatever its name).
    /// </summary>
    private static Stream Open(string name, Func<Stream> openStandardInput)
    {
        if (name == StandardInputName)
        {
            return openStandardInput();
        }

        var file = new FileStream(name, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return CompressedInput.Open(name, file);
    }

    private static int DropByteOrderMark(string name, byte[] buffer, int filled)
    {
        var head = buffer.AsSpan(0, filled);
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            head[3..].CopyTo(buffer);
            return filled - 3;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || head.StartsWith((ReadOnlySpan<byte>)[0, 0, 0xFE, 0xFF]))
        {
            throw new FormatException($"{name}: the text is UTF-16 or UTF-32; records must be UTF-8 (convert with iconv -t UTF-8)");
        }

        return filled;
    }

    /// <summary>
    /// Checks every named file can be opened before a run starts, so a typo is a usage error
    /// (exit 2) and not a run that stops halfway.
    /// </summary>
    /// <param name="sources">File paths; <c>-</c> is standard input and is not checked.</param>
    /// <returns>A message per unreadable file; empty when all are readable.</returns>
    public static IReadOnlyList<string> FindUnreadable(IEnumerable<string> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var problems = new List<string>();
        foreach (var name in sources)
        {
            if (name == StandardInputName)
            {
                continue;
            }

            if (Directory.Exists(name))
            {
                problems.Add($"{name}: is a directory, not a file of input lines");
                continue;
            }

            try
            {
                using var _ = File.OpenRead(name);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{name}: {ex.Message}");
            }
        }

        return problems;
    }
}
