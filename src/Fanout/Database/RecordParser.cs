using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fanout.Records;

namespace Fanout.Database;

/// <summary>Records from JSONL lines or CSV files (header row gives the names; values typed from their text).</summary>
public static class RecordParser
{
    /// <summary>One JSONL line as a record; throws <see cref="InputFormatException"/> naming the line when it is not a JSON object.</summary>
    /// <param name="line">The line.</param>
    /// <returns>The record.</returns>
    public static InsertRow ParseJson(InputLine line)
    {
        // One forward pass of Utf8JsonReader over the line's bytes: no document is built, and parsing is
        // most of the CPU a load spends.
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(line.Text.Length));
        try
        {
            var json = buffer.AsSpan(0, Encoding.UTF8.GetBytes(line.Text, buffer));
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InputFormatException(line.Location, "a record must be a JSON object");
            }

            var fields = new List<KeyValuePair<string, object?>>(8);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                object? value;
                switch (reader.TokenType)
                {
                    case JsonTokenType.Number:
                        // Cast each branch: "a ? long : double" would be a double, and every integer a real.
                        value = reader.TryGetInt64(out var l) ? (object)l : reader.GetDouble();
                        break;
                    case JsonTokenType.String:
                        value = reader.GetString();
                        break;
                    case JsonTokenType.True or JsonTokenType.False:
                        value = reader.GetBoolean();
                        break;
                    case JsonTokenType.Null:
                        value = null;
                        break;
                    default:
                        var startAt = (int)reader.TokenStartIndex;
                        reader.Skip();
                        value = new JsonText(Encoding.UTF8.GetString(json[startAt..(int)reader.BytesConsumed]));
                        break;
                }

                fields.Add(new(name, value));
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw new InputFormatException(line.Location, "invalid JSON: text after the record's closing '}'");
            }

            return new InsertRow(line.Location, line.Text, fields);
        }
        catch (JsonException ex)
        {
            throw new InputFormatException(line.Location, JsonErrors.Describe(ex));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The records of a CSV stream (the header row gives the names); quoted fields may hold commas, quotes and line breaks.</summary>
    /// <param name="source">The file name, for locations.</param>
    /// <param name="reader">The CSV text.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>Each record, or the error of a row with the wrong number of fields.</returns>
    public static async IAsyncEnumerable<(InsertRow? Row, InputFormatException? Error)> ParseCsvAsync(string source, TextReader reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string>? header = null;
        await foreach (var (line, raw, cells) in CsvRecordReader.ReadAsync(reader, cancellationToken).ConfigureAwait(false))
        {
            if (header is null)
            {
                header = cells;
                continue;
            }

            var location = string.Create(CultureInfo.InvariantCulture, $"{source}:{line}");
            if (cells.Count != header.Count)
            {
                yield return (null, new InputFormatException(location, $"{cells.Count} fields, the header has {header.Count}"));
                continue;
            }

            var fields = new List<KeyValuePair<string, object?>>(header.Count);
            for (var i = 0; i < header.Count; i++)
            {
                fields.Add(new(header[i], Typed(cells[i])));
            }

            yield return (new InsertRow(location, raw, fields), null);
        }
    }

    /// <summary>A CSV cell's value: empty is null; integers (without leading zeros, which are kept as text), numbers and true/false are typed.</summary>
    internal static object? Typed(string cell)
    {
        if (cell.Length == 0)
        {
            return null;
        }

        var leadingZero = cell.Length > 1 && cell[0] == '0' && char.IsAsciiDigit(cell[1]);
        if (!leadingZero && long.TryParse(cell, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }

        if (!leadingZero && double.TryParse(cell, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        return bool.TryParse(cell, out var b) ? b : cell;
    }
}
