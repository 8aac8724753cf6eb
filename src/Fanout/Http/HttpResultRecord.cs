using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Http;

/// <summary>The output record of one request, the same in JSONL, CSV and table form.</summary>
internal static class HttpResultRecord
{
    public static void Write(WorkResult<HttpRequestItem, HttpCallResult> result, IRecordFieldWriter fields)
    {
        var value = result.Value;
        fields.WriteString("key", result.Key);
        fields.WriteString("url", result.Item.Url.OriginalString);
        fields.WriteString("method", result.Item.Method);
        fields.WriteNumber("status", value?.StatusCode);
        fields.WriteBoolean("ok", result.Ok);
        fields.WriteNumber("attempts", (long)result.Attempts);
        fields.WriteNumber("elapsed_ms", result.Latency.TotalMilliseconds);
        fields.WriteNumber("bytes", value?.Bytes);
        fields.WriteString("content_type", value?.ContentType);
        if (value is { Body: { } body, BodyIsJson: true })
        {
            fields.WriteJson("body", body);
        }
        else
        {
            fields.WriteString("body", value?.Body);
        }

        if (value?.SavedTo is { } savedTo)
        {
            fields.WriteString("saved_to", savedTo);
        }

        fields.WriteString("error", result.Error?.Message);
        fields.WriteString("error_kind", result.Error?.Kind);
    }
}
