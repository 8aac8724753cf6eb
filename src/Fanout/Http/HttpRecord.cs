using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Http;

/// <summary>The output record of one request, the same in JSONL, CSV and table form.</summary>
internal static class HttpRecord
{
    public static void Write(WorkResult<HttpItem, HttpResult> result, IRecordFieldWriter fields)
    {
        var value = result.Value;
        ResultFields.WriteStart(result, fields);
        fields.WriteString("url", result.Item.Url.OriginalString);
        fields.WriteString("method", result.Item.Method);
        if (result.Item.Input is { } input)
        {
            fields.WriteJson("input", input);
        }

        fields.WriteNumber("status", value?.StatusCode);
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

        foreach (var (name, json) in value?.Extracted ?? [])
        {
            if (json is null)
            {
                fields.WriteString(name, null);
            }
            else
            {
                fields.WriteJson(name, json);
            }
        }

        if (value?.SavedTo is { } savedTo)
        {
            fields.WriteString("saved_to", savedTo);
        }

        ResultFields.WriteEnd(result, fields);
    }
}
