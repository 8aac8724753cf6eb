using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Files;

/// <summary>The output record of one file, the same in JSONL, CSV and table form.</summary>
internal static class FileReadRecord
{
    public static void Write(WorkResult<FileReadItem, FileReadResult> result, IRecordFieldWriter fields, FileReadOptions options)
    {
        var value = result.Value;
        ResultFields.WriteStart(result, fields);
        fields.WriteString("path", result.Item.DisplayPath);
        fields.WriteNumber("bytes", value?.Bytes);
        if (options.Decompress)
        {
            fields.WriteString("compression", value?.Compression);
            fields.WriteNumber("uncompressed_bytes", value?.UncompressedBytes);
        }

        fields.WriteNumber("lines", value?.Lines);
        if (options.Hash != FileHashAlgorithm.None)
        {
            fields.WriteString(FileReader.FieldName(options.Hash), value?.Hash);
        }

        fields.WriteString("modified", value?.Modified.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        fields.WriteString("encoding", value?.Encoding);
        if (options.Grep is not null)
        {
            fields.WriteNumber("match_count", value?.MatchCount);
            fields.WriteJson("matches", MatchesJson(value?.Matches));
        }

        if (options.IncludeContent)
        {
            fields.WriteString("content", value?.Content);
            fields.WriteBoolean("content_truncated", value?.ContentTruncated);
        }

        ResultFields.WriteEnd(result, fields);
    }

    private static string MatchesJson(IReadOnlyList<FileMatch>? matches)
    {
        if (matches is null)
        {
            return "null";
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, JsonText.Readable))
        {
            json.WriteStartArray();
            foreach (var match in matches)
            {
                json.WriteStartObject();
                json.WriteNumber("line", match.LineNumber);
                json.WriteString("text", match.Text);
                WriteLines(json, "before", match.Before);
                WriteLines(json, "after", match.After);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteLines(Utf8JsonWriter json, string name, IReadOnlyList<string>? lines)
    {
        if (lines is null)
        {
            return;
        }

        json.WriteStartArray(name);
        foreach (var line in lines)
        {
            json.WriteStringValue(line);
        }

        json.WriteEndArray();
    }
}
