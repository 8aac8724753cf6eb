using System.Buffers;
using System.Text;

namespace Fanout.Records;

/// <summary>Room for a field's text once its quotes are undone (a parser's block buffer).</summary>
internal interface ICsvBuffer
{
    /// <summary>Reserves <paramref name="length"/> bytes.</summary>
    /// <param name="length">How many.</param>
    /// <returns>The buffer and where the room starts.</returns>
    (byte[] Buffer, int Start) Reserve(int length);
}

/// <summary>
/// RFC 4180 fields from UTF-8 bytes, the one scanner of CSV: fields separated by a delimiter (a comma, a tab for TSV);
/// a field that starts with a quote may hold delimiters, doubled quotes and line breaks; a quote elsewhere is a
/// character like any other; LF or CRLF line ends. Fields are ranges of the input's own bytes; <see cref="Value"/>
/// undoes the quotes. Used by insert's parser (in chunks, on every core) and by http's row templates (a line at a time).
/// </summary>
internal static class CsvScanner
{
    private static readonly SearchValues<byte> InsideQuotes = SearchValues.Create("\"\n"u8);
    private static readonly SearchValues<byte> Comma = SearchValues.Create(",\"\n"u8);
    private static readonly SearchValues<byte> Tab = SearchValues.Create("\t\"\n"u8);

    /// <summary>What ends a field outside quotes, for a delimiter (made once per header, not per chunk).</summary>
    /// <param name="delimiter">The byte between fields.</param>
    /// <returns>The delimiter, a quote and a line feed.</returns>
    public static SearchValues<byte> Separators(byte delimiter) => delimiter switch
    {
        (byte)',' => Comma,
        (byte)'\t' => Tab,
        _ => SearchValues.Create([delimiter, (byte)'"', (byte)'\n']),
    };

    /// <summary>
    /// The fields of one record on one line of text (http's CSV rows), quotes undone; <paramref name="unclosed"/> when a
    /// quoted field runs past the line's end.
    /// </summary>
    /// <param name="line">The line, without its line break.</param>
    /// <param name="delimiter">The byte between fields.</param>
    /// <param name="unclosed">Whether a quoted field was not closed.</param>
    /// <returns>The fields.</returns>
    public static List<string> SplitLine(string line, byte delimiter, out bool unclosed)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        var fields = new List<Range>();
        ScanRecord(bytes, 0, bytes.Length, fields, Separators(delimiter), delimiter, out unclosed, out _);
        var cells = new List<string>(fields.Count);
        foreach (var field in fields)
        {
            var (buffer, start, length) = Value(bytes, field, null);
            cells.Add(Encoding.UTF8.GetString(buffer, start, length));
        }

        return cells;
    }

    /// <summary>Skips empty lines (LF or CRLF) from <paramref name="at"/>: where the next record starts, and how many lines were skipped.</summary>
    public static int SkipEmptyLines(byte[] bytes, int at, int end, out int skipped)
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
    public static int ScanRecord(byte[] bytes, int at, int end, List<Range> fields, SearchValues<byte> separators, byte delimiter, out bool unclosed, out int newlines)
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

    /// <summary>The end of a range without the carriage return before it.</summary>
    public static int TrimCarriageReturn(byte[] bytes, int start, int end) => end > start && bytes[end - 1] == (byte)'\r' ? end - 1 : end;

    /// <summary>A record's length without its line break.</summary>
    public static int RecordLength(byte[] bytes, int start, int next)
    {
        var end = next > start && bytes[next - 1] == (byte)'\n' ? next - 1 : next;
        return TrimCarriageReturn(bytes, start, end) - start;
    }

    /// <summary>
    /// A field's text: the raw range when it needs no change, else built into the block's buffer (quotes undone,
    /// a CRLF or CR inside quotes read as LF, as a line reader would). Without a buffer, built into a new array.
    /// </summary>
    public static (byte[] Bytes, int Start, int Length) Value(byte[] bytes, Range field, ICsvBuffer? builder)
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
}
