using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Fanout.Records;

namespace Fanout.Database.Parsing;

/// <summary>Records from JSONL (parsed from UTF-8 bytes) or CSV (the header row gives the names; values typed from their text).</summary>
internal static class RecordParser
{
    private const string OutOfRange = "a number is out of range (beyond ±1.7e308)";
    private static int _fieldsPerRecord = 8;

    /// <summary>
    /// The JSONL records of a chunk of lines, one per line that is not blank or a <c>#</c> comment. A
    /// line that is not a JSON object becomes a record with an <see cref="InsertRow.Error"/> naming why.
    /// Strings without escapes stay in the chunk's buffer: no string is made per value or per line. A
    /// <see cref="TextChunk.PooledBuffer"/> passes to the block, which returns it when released: parse such a
    /// chunk once.
    /// </summary>
    /// <param name="chunk">Whole lines.</param>
    /// <returns>The records.</returns>
    public static RecordBlock ParseJson(TextChunk chunk) => ParseJson(chunk, flatten: false);

    /// <summary>As <see cref="ParseJson(TextChunk)"/>; with <paramref name="flatten"/>, nested objects become fields named <c>outer_inner</c>.</summary>
    /// <param name="chunk">Whole lines.</param>
    /// <param name="flatten">Whether nested objects are flattened (<c>--flatten</c>).</param>
    /// <returns>The records.</returns>
    public static RecordBlock ParseJson(TextChunk chunk, bool flatten)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        // Room for every line and as many fields per record as the last block had: growing the lists
        // (and copying them) cost more than filling them.
        var lines = chunk.Newlines + 1;
        var builder = new RecordBlockBuilder(chunk.Source, lines, lines * Math.Max(1, Volatile.Read(ref _fieldsPerRecord)));
        chunk.ForEachLine((builder, chunk.Bytes, flatten), static (state, number, start, length) => ParseLine(state.builder, state.Bytes, number, start, length, state.flatten));
        var block = Built(builder, chunk, null, flatten);
        if (block.Count > 0)
        {
            Volatile.Write(ref _fieldsPerRecord, (block.FieldCount + block.Count - 1) / block.Count);
        }

        return block;
    }

    /// <summary>JSONL records from text (for callers that hold records as strings).</summary>
    /// <param name="source">The name for locations.</param>
    /// <param name="text">Lines of JSON objects.</param>
    /// <returns>The records.</returns>
    public static RecordBlock ParseJson(string source, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        return ParseJson(new TextChunk(source, 1, bytes, bytes.Length, bytes.AsSpan().Count((byte)'\n')));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ParseLine(RecordBlockBuilder builder, byte[] bytes, long number, int start, int length, bool flatten)
    {
        builder.StartRecord(number, Cell.FromText(bytes, start, length));
        if (!System.Text.Unicode.Utf8.IsValid(bytes.AsSpan(start, length)))
        {
            // Stored as it is, invalid UTF-8 would be text no reader can decode; replaced, it would be data changed unseen.
            builder.Fail("the line is not valid UTF-8");
            return;
        }

        if (FlatJsonParser.TryParse(builder, bytes, start, length, flatten))
        {
            return;
        }

        try
        {
            // One forward pass of Utf8JsonReader over the line's bytes: no document is built.
            var reader = new Utf8JsonReader(bytes.AsSpan(start, length));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                builder.Fail("a record must be a JSON object");
                return;
            }

            if (!ReadFields(builder, bytes, start, ref reader, flatten, prefix: null))
            {
                return;
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                builder.Fail("invalid JSON: text after the record's closing '}'");
            }
        }
        catch (JsonException ex)
        {
            builder.Fail(JsonErrors.Describe(ex));
        }
        catch (FormatException)
        {
            // Utf8JsonReader.GetDouble: valid JSON, but beyond what a double holds.
            builder.Fail(OutOfRange);
        }
    }

    /// <summary>The fields of the object the reader is in, up to its end; nested objects flattened under <paramref name="prefix"/>.</summary>
    private static bool ReadFields(RecordBlockBuilder builder, byte[] bytes, int start, ref Utf8JsonReader reader, bool flatten, string? prefix)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Flattening names a field only once its value is seen (an object names none); else the name is taken now.
            var nested = flatten ? reader.GetString()! : null;
            var name = flatten ? -1
                : reader.ValueIsEscaped ? builder.NameId(reader.GetString()!) : builder.NameId(reader.ValueSpan);
            reader.Read();
            if (flatten && reader.TokenType == JsonTokenType.StartObject)
            {
                if (!ReadFields(builder, bytes, start, ref reader, flatten, (prefix ?? string.Empty) + nested + "_"))
                {
                    return false;
                }

                continue;
            }

            var at = start + (int)reader.TokenStartIndex;
            var value = reader.TokenType switch
            {
                JsonTokenType.Number => reader.TryGetInt64(out var l)
                    ? Cell.FromInteger(l, bytes, at, reader.ValueSpan.Length)
                    : reader.ValueSpan.IndexOfAny(".eE"u8) < 0
                        ? Cell.FromText(bytes, at, reader.ValueSpan.Length) // an integer beyond 64 bits: its digits, never a rounded double
                        : Cell.FromReal(reader.GetDouble(), bytes, at, reader.ValueSpan.Length),
                JsonTokenType.String when reader.ValueIsEscaped => Unescaped(builder, ref reader),
                // The value follows its opening quote.
                JsonTokenType.String => Cell.FromText(bytes, at + 1, reader.ValueSpan.Length),
                JsonTokenType.True => Cell.FromBoolean(true),
                JsonTokenType.False => Cell.FromBoolean(false),
                JsonTokenType.Null => Cell.Null,
                _ => Nested(bytes, at, start, ref reader),
            };
            if (value.Kind == CellKind.Real && !double.IsFinite(value.Real))
            {
                builder.Fail(OutOfRange);
                return false;
            }

            builder.AddField(name >= 0 ? name : builder.NameId(prefix + nested), value);
        }

        return true;
    }

    private static Cell Unescaped(RecordBlockBuilder builder, ref Utf8JsonReader reader)
    {
        // Unescaping never makes the text longer.
        var (buffer, at) = builder.Reserve(reader.ValueSpan.Length);
        var written = reader.CopyString(buffer.AsSpan(at, reader.ValueSpan.Length));
        return Cell.FromText(buffer, at, written);
    }

    private static Cell Nested(byte[] bytes, int at, int lineStart, ref Utf8JsonReader reader)
    {
        reader.Skip();
        return Cell.FromJson(bytes, at, lineStart + (int)reader.BytesConsumed - at);
    }

    /// <summary>
    /// The CSV records of a chunk cut at record ends, named by the source's <paramref name="header"/> (see
    /// <see cref="CsvParser.ReadHeader(TextChunk, byte, out TextChunk)"/>); a row with the wrong number of fields is a record with an
    /// <see cref="InsertRow.Error"/>. Like <see cref="ParseJson(TextChunk)"/>, the values stay in the chunk's buffer.
    /// </summary>
    /// <param name="chunk">Whole records.</param>
    /// <param name="header">The field names.</param>
    /// <returns>The records.</returns>
    public static RecordBlock ParseCsv(TextChunk chunk, CsvHeader header)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(header);
        var lines = chunk.Newlines + 1;
        var builder = new RecordBlockBuilder(chunk.Source, lines, lines * header.Count);
        CsvParser.Parse(builder, chunk, header);
        return Built(builder, chunk, header, flatten: false);
    }

    private static RecordBlock Built(RecordBlockBuilder builder, TextChunk chunk, CsvHeader? header, bool flatten)
    {
        if (chunk.PooledBuffer)
        {
            // The cells point into the chunk: its buffer goes back to the pool when the block is released.
            builder.OwnPooled(chunk.Bytes);
        }

        var block = builder.Build();
        block.KeepChunk(chunk, header, flatten);
        return block;
    }
}
