using System.Runtime.CompilerServices;
using System.Text;

namespace Fanout.Records;

/// <summary>
/// RFC 4180 CSV, read lazily: fields separated by commas, quoted fields may hold commas, doubled
/// quotes and line breaks; CRLF or LF line ends. Each record comes with the line it starts on and its raw text.
/// </summary>
public static class CsvRecordReader
{
    /// <summary>Reads the records of a CSV stream (the header row included, as the first record).</summary>
    /// <param name="reader">The text.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>Each record's first line number (from 1), raw text and fields.</returns>
    /// <exception cref="FormatException">A quoted field is not closed before the end of input.</exception>
    public static async IAsyncEnumerable<(long Line, string Raw, IReadOnlyList<string> Fields)> ReadAsync(TextReader reader, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        long lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var start = lineNumber;
            var raw = new StringBuilder(line);
            var fields = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            var text = line;
            var i = 0;
            while (true)
            {
                if (i == text.Length)
                {
                    if (!quoted)
                    {
                        fields.Add(field.ToString());
                        break;
                    }

                    // A line break inside quotes belongs to the field.
                    var next = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                        ?? throw new FormatException($"line {start}: a quoted field is not closed");
                    lineNumber++;
                    field.Append('\n');
                    raw.Append('\n').Append(next);
                    text = next;
                    i = 0;
                    continue;
                }

                var c = text[i++];
                if (quoted)
                {
                    if (c != '"')
                    {
                        field.Append(c);
                    }
                    else if (i < text.Length && text[i] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else if (c == ',')
                {
                    fields.Add(field.ToString());
                    field.Clear();
                }
                else if (c == '"' && field.Length == 0)
                {
                    quoted = true;
                }
                else
                {
                    field.Append(c);
                }
            }

            yield return (start, raw.ToString(), fields);
        }
    }
}
