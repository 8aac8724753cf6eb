using System.Buffers;
using System.Globalization;
using System.Text;
using Fanout.Records;

namespace Fanout.Database.Parsing;

/// <summary>
/// RFC 4180 CSV from UTF-8 bytes: fields separated by commas; a field that starts with a quote may hold commas,
/// doubled quotes and line breaks; LF or CRLF line ends; empty lines skipped. Values stay ranges of the chunk's own
/// bytes unless a quote had to be undone. The header row of each source gives the names
/// (<see cref="ReadHeader(TextChunk, byte, out TextChunk)"/>); chunks cut at record ends (<see cref="InputReader.ReadChunksAsync"/> with quoted line
/// breaks) are then parsed each on its own, on any core.
/// </summary>
internal static class CsvParser
{
    private const int StackChars = 256;
    private static readonly SearchValues<byte> InsideQuotes = SearchValues.Create("\"\n"u8);

    /// <summary>
    /// The header of a source from its first chunk: the names of its first record, and the rest of the chunk (a copy,
    /// numbered from the next line, empty when nothing follows). <see langword="null"/> when the chunk holds no record
    /// yet (only empty lines): the caller tries the next chunk. The chunk's buffer is still the caller's to give back.
    /// </summary>
    public static CsvHeader? ReadHeader(TextChunk chunk, out TextChunk rest) => ReadHeader(chunk, (byte)',', out rest);

    /// <summary>As <see cref="ReadHeader(TextChunk, out TextChunk)"/>, with fields separated by <paramref name="delimiter"/> (a tab for TSV).</summary>
    public static CsvHeader? ReadHeader(TextChunk chunk, byte delimiter, out TextChunk rest)
    {
        var separators = CsvHeader.Separators(delimiter);
        var fields = new List<Range>();
        var at = SkipEmptyLines(chunk.Bytes, 0, chunk.Length, out var skipped);
        if (at >= chunk.Length)
        {
            rest = chunk with { Length = 0, Newlines = 0, PooledBuffer = false };
            return null;
        }

        var end = ScanRecord(chunk.Bytes, at, chunk.Length, fields, separators, delimiter, out _, out var newlines);
        var names = new List<string>(fields.Count);
        foreach (var field in fields)
        {
            var (bytes, start, length) = Value(chunk.Bytes, field, null);
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
        var separators = CsvHeader.Separators(header.Delimiter);
        var bytes = chunk.Bytes;
        var fields = new List<Range>(header.Count);
        var names = new int[header.Count];
        var line = chunk.FirstLine;
        var at = 0;
        while (true)
        {
            at = SkipEmptyLines(bytes, at, chunk.Length, out var skipped);
            line += skipped;
            if (at >= chunk.Length)
            {
                return;
            }

            var end = ScanRecord(bytes, at, chunk.Length, fields, separators, header.Delimiter, out var unclosed, out var newlines);
            builder.StartRecord(line, Cell.FromText(bytes, at, RecordLength(bytes, at, end)));
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

    private static int SkipEmptyLines(byte[] bytes, int at, int end, out int skipped)
    {
        skipped = 0;
        while (at < end)
        {
            var next = bytes[at] == (byte)'\r' && at + 1 < end && bytes[at + 1] == (byte)'\n' ? at + 1 : at;
            if (bytes[next] != (byte)'\n')
            {
                break;
            }

            at = next + 1;
            skipped++;
        }

        return at;
    }

    /// <summary>
    /// Finds the fields of the record starting at <paramref name="at"/> (each a raw range, a quoted one with its quotes)
    /// and returns where the next record starts: after the line break that ends this one, or the end.
    /// </summary>
    private static int ScanRecord(byte[] bytes, int at, int end, List<Range> fields, SearchValues<byte> separators, byte delimiter, out bool unclosed, out int newlines)
    {
        fields.Clear();
        newlines = 0;
        unclosed = false;
        var fieldStart = at;
        var quoted = false;
        var i = at;
        while (true)
        {
            var found = bytes.AsSpan(i, end - i).IndexOfAny(quoted ? InsideQuotes : separators);
            if (found < 0)
            {
                unclosed = quoted;
                fields.Add(new Range(fieldStart, TrimCarriageReturn(bytes, fieldStart, end)));
                return end;
            }

            i += found;
            var c = bytes[i];
            if (quoted)
            {
                if (c == (byte)'\n')
                {
                    newlines++;
                }
                else if (i + 1 < end && bytes[i + 1] == (byte)'"')
                {
                    i++;
                }
                else
                {
                    quoted = false;
                }
            }
            else if (c == delimiter)
            {
                fields.Add(new Range(fieldStart, i));
                fieldStart = i + 1;
            }
            else if (c == (byte)'"')
            {
                // A quote opens a quoted field only at its start; elsewhere it is a character like any other.
                quoted = i == fieldStart;
            }
            else
            {
                fields.Add(new Range(fieldStart, TrimCarriageReturn(bytes, fieldStart, i)));
                newlines++;
                return i + 1;
            }

            i++;
        }
    }

    private static int TrimCarriageReturn(byte[] bytes, int start, int end) => end > start && bytes[end - 1] == (byte)'\r' ? end - 1 : end;

    private static int RecordLength(byte[] bytes, int start, int next)
    {
        var end = next > start && bytes[next - 1] == (byte)'\n' ? next - 1 : next;
        return TrimCarriageReturn(bytes, start, end) - start;
    }

    /// <summary>
    /// A field's text: the raw range when it needs no change, else built into the block's buffer (quotes undone,
    /// a CRLF or CR inside quotes read as LF, as a line reader would). Without a builder, built into a new array.
    /// </summary>
    private static (byte[] Bytes, int Start, int Length) Value(byte[] bytes, Range field, RecordBlockBuilder? builder)
    {
        var (start, length) = field.GetOffsetAndLength(bytes.Length);
        var raw = bytes.AsSpan(start, length);
        if (raw.IsEmpty || raw[0] != (byte)'"')
        {
            return (bytes, start, length);
        }

        var inner = raw[1..];
        if (inner.Length > 0 && inner[^1] == (byte)'"' && inner[..^1].IndexOfAny((byte)'"', (byte)'\r') < 0)
        {
            return (bytes, start + 1, inner.Length - 1);
        }

        var (target, at) = builder is null ? (new byte[inner.Length], 0) : builder.Reserve(inner.Length);
        var written = 0;
        var quoted = true;
        for (var i = 0; i < inner.Length; i++)
        {
            var c = inner[i];
            if (quoted && c == (byte)'"')
            {
                if (i + 1 < inner.Length && inner[i + 1] == (byte)'"')
                {
                    i++;
                }
                else
                {
                    quoted = false;
                    continue;
                }
            }
            else if (quoted && c == (byte)'\r')
            {
                c = (byte)'\n';
                if (i + 1 < inner.Length && inner[i + 1] == (byte)'\n')
                {
                    i++;
                }
            }

            target[at + written++] = c;
        }

        return (target, at, written);
    }

    /// <summary>A cell's value: empty is null; integers, numbers and true/false are typed by <see cref="TextValue"/>'s rule (007 stays text).</summary>
    private static Cell Typed(RecordBlockBuilder builder, byte[] source, Range field)
    {
        var (bytes, start, length) = Value(source, field, builder);
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
    private static readonly SearchValues<byte> Comma = SearchValues.Create(",\"\n"u8);
    private static readonly SearchValues<byte> Tab = SearchValues.Create("\t\"\n"u8);

    public byte Delimiter { get; } = delimiter;

    public int Count => names.Count;

    public string this[int index] => names[index];

    /// <summary>What ends a field outside quotes.</summary>
    public static SearchValues<byte> Separators(byte delimiter) => delimiter switch
    {
        (byte)',' => Comma,
        (byte)'\t' => Tab,
        _ => SearchValues.Create([delimiter, (byte)'"', (byte)'\n']),
    };

    public IEnumerator<string> GetEnumerator() => names.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
