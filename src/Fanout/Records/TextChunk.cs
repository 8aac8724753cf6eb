namespace Fanout.Records;

/// <summary>Whole lines of one source as raw bytes (UTF-8, no byte order mark), for parsers that work on bytes.</summary>
/// <param name="Source">The file name as given, or <c>-</c> for standard input.</param>
/// <param name="FirstLine">The line number of the first line in <paramref name="Bytes"/>, from 1.</param>
/// <param name="Bytes">The buffer; the chunk owns it.</param>
/// <param name="Length">How many bytes of <paramref name="Bytes"/> are input: whole lines, the last one with or without its line break.</param>
/// <param name="Newlines">How many line breaks the input bytes hold (counted once, by whoever made the chunk).</param>
internal sealed record TextChunk(string Source, long FirstLine, byte[] Bytes, int Length, int Newlines)
{
    /// <summary>
    /// Whether <see cref="Bytes"/> was rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>: whoever ends up
    /// owning the chunk may return it, once, when nothing points into it any more (or leave it to the collector).
    /// </summary>
    public bool PooledBuffer { get; init; }

    /// <summary>The input bytes.</summary>
    public ReadOnlySpan<byte> Span => Bytes.AsSpan(0, Length);

    /// <summary>
    /// Calls <paramref name="line"/> for each line that is not blank and not a <c>#</c> comment, with its
    /// number and its range in <see cref="Bytes"/> (trimmed of spaces, tabs and the CR of a CRLF).
    /// </summary>
    /// <typeparam name="TState">What the callback needs.</typeparam>
    /// <param name="state">Passed to the callback.</param>
    /// <param name="line">Receives state, line number, start and length.</param>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void ForEachLine<TState>(TState state, Action<TState, long, int, int> line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var number = FirstLine;
        var start = 0;
        while (start < Length)
        {
            var rest = Bytes.AsSpan(start, Length - start);
            var end = rest.IndexOf((byte)'\n');
            var length = end < 0 ? rest.Length : end;
            var text = rest[..length];
            var trimmedStart = text.Length - text.TrimStart(" \t\r"u8).Length;
            var trimmed = text.Trim(" \t\r"u8);
            if (!trimmed.IsEmpty && trimmed[0] != (byte)'#')
            {
                line(state, number, start + trimmedStart, trimmed.Length);
            }

            number++;
            start += length + 1;
        }
    }
}
