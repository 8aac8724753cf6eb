using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Files;

/// <summary>The output record of one file, the same in JSONL, CSV and table form.</summary>
internal static class FileResultRecord
{
    public static void Write(WorkResult<FileItem, FileReadResult> result, IRecordFieldWriter fields, FileReadOptions options)
    {
        var value = result.Value;
        fields.WriteString("path", result.Key);
        fields.WriteBoolean("ok", result.Ok);
        fields.WriteNumber("bytes", value?.Bytes);
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

        fields.WriteNumber("elapsed_ms", result.RunTime.TotalMilliseconds);
        fields.WriteString("error", result.Error?.Message);
        fields.WriteString("error_kind", result.Error?.Kind);
    }

    private static string MatchesJson(IReadOnlyList<FileMatch>? matches)
    {
        if (matches is null)
        {
            return "null";
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var match in matches)
            {
                json.WriteStartObject();
                json.WriteNumber("line", match.LineNumber);
                json.WriteString("text", match.Text);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
