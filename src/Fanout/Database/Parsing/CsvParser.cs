using System.Buffers;
using System.Globalization;
using System.Text;
using Fanout.Records;

namespace Fanout.Database.Parsing;

/// <summary>
/// RFC 4180 CSV records (the fields as <see cref="CsvScanner"/> finds them) into blocks: empty lines skipped, values
/// typed, staying ranges of the chunk's own bytes unless a quote had to be undone. The header row of each source gives the names
/// (<see cref="ReadHeader(TextChunk, byte, out TextChunk)"/>); chunks cut at record ends (<see cref="InputReader.ReadChunksAsync"/> with quoted line
/// breaks) are then parsed each on its own, on any core.
/// </summary>
internal static class CsvParser
{
    private const int StackChars = 256;

    /// <summary>
    /// The header of a source from its first chunk: the names of its first record, and the rest of the chunk (a copy,
    /// numbered from the next line, empty when nothing follows). <see langword="null"/> when the chunk holds no record
    /// yet (only empty lines): the caller tries the next chunk. The chunk's buffer is still the caller's to give back.
    /// </summary>
    public static CsvHeader? ReadHeader(TextChunk chunk, out TextChunk rest) => ReadHeader(chunk, (byte)',', out rest);

    /// <summary>As <see cref="ReadHeader(TextChunk, out TextChunk)"/>, with fields separated by <paramref name="delimiter"/> (a tab for TSV).</summary>
    public static CsvHeader? ReadHeader(TextChunk chunk, byte delimiter, out TextChunk rest)
    {
        var separators = CsvScanner.Separators(delimiter);
        var fields = new List<Range>();
        var at = CsvScanner.SkipEmptyLines(chunk.Bytes, 0, chunk.Length, out var skipped);
        if (at >= chunk.Length)
        {
            rest = chunk with { Length = 0, Newlines = 0, PooledBuffer = false };
            return null;
        }

        var end = CsvScanner.ScanRecord(chunk.Bytes, at, chunk.Length, fields, separators, delimiter, out _, out var newlines);
        var names = new List<string>(fields.Count);
        foreach (var field in fields)
        {
            var (bytes, start, length) = CsvScanner.Value(chunk.Bytes, field, null);
            names.Add(Encoding.UTF8.GetString(bytes, start, length));
        }

        var restLength = chunk.Length - end;
        var copy = restLength == 0 ? [] : ArrayPool<byte>.Shared.Rent(restLength);
        chunk.Bytes.AsSpan(end, restLength).CopyTo(copy);
        rest = new TextChunk(chunk.Source, chunk.FirstLine + skipped + newlines, copy, restLength, chunk.Newlines - skipped - newlines) { PooledBuffer = restLength > 0 };
        return new CsvHeader(names, delimiter);
    }

    /// <summary>Adds the chunk's records to <paramref name="builder"/>: named by <paramref name="header"/>, values typed from their text.</summary>
    public static void Parse(RecordBlockBuilder builder, TextChunk chunk, CsvHeader header)
    {
        var separators = header.Separators;
        var bytes = chunk.Bytes;
        var fields = new List<Range>(header.Count);
        var names = new int[header.Count];
        var line = chunk.FirstLine;
        var at = 0;
        while (true)
        {
            at = CsvScanner.SkipEmptyLines(bytes, at, chunk.Length, out var skipped);
            line += skipped;
            if (at >= chunk.Length)
            {
                return;
            }

            var end = CsvScanner.ScanRecord(bytes, at, chunk.Length, fields, separators, header.Delimiter, out var unclosed, out var newlines);
            builder.StartRecord(line, Cell.FromText(bytes, at, CsvScanner.RecordLength(bytes, at, end)));
            if (unclosed)
            {
                builder.Fail("a quoted field is not closed before the end of the input");
            }
            else if (fields.Count != header.Count)
            {
                builder.Fail(string.Create(CultureInfo.InvariantCulture, $"{fields.Count} fields, the header has {header.Count}"));
            }
            else
            {
                for (var i = 0; i < fields.Count; i++)
                {
                    if (names[i] == 0)
                    {
                        // Ids are per block; one lookup per name, then they are reused (stored plus one, 0 = not yet).
                        names[i] = builder.NameId(header[i]) + 1;
                    }

                    builder.AddField(names[i] - 1, Typed(builder, bytes, fields[i]));
                }
            }

            line += newlines;
            at = end;
        }
    }

    /// <summary>A cell's value: empty is null; integers, numbers and true/false are typed by <see cref="TextValue"/>'s rule (007 stays text).</summary>
    private static Cell Typed(RecordBlockBuilder builder, byte[] source, Range field)
    {
        var (bytes, start, length) = CsvScanner.Value(source, field, builder);
        if (length == 0)
        {
            return Cell.Null;
        }

        var utf8 = bytes.AsSpan(start, length);
        char[]? rented = null;
        var chars = length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            return TextValue.Classify(chars[..Encoding.UTF8.GetChars(utf8, chars)], out var l, out var d, out var b) switch
            {
                // A number's text stays readable: a text column keeps it as written, COPY writes it without formatting.
                TextValue.Kind.Integer => Cell.FromInteger(l, bytes, start, length),
                TextValue.Kind.Real => Cell.FromReal(d, bytes, start, length),
                TextValue.Kind.Boolean => Cell.FromBoolean(b),
                _ => Cell.FromText(bytes, start, length),
            };
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}

/// <summary>A CSV source's header: its column names and the byte between fields (a comma, or a tab for TSV).</summary>
internal sealed class CsvHeader(IReadOnlyList<string> names, byte delimiter) : IReadOnlyList<string>
{
    public byte Delimiter { get; } = delimiter;

    /// <summary>What ends a field outside quotes (made once per source, not per chunk).</summary>
    public SearchValues<byte> Separators { get; } = CsvScanner.Separators(delimiter);

    public int Count => names.Count;

    public string this[int index] => names[index];

    public IEnumerator<string> GetEnumerator() => names.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
