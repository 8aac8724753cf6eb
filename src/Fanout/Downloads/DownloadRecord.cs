using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Downloads;

/// <summary>The output record of one download.</summary>
internal static class DownloadRecord
{
    public static void Write(WorkResult<DownloadItem, DownloadResult> result, IRecordFieldWriter fields)
    {
        var value = result.Value;
        ResultFields.WriteStart(result, fields);
        fields.WriteString("url", result.Item.Url.OriginalString);
        fields.WriteString("path", value?.Path);
        fields.WriteNumber("status", value?.StatusCode);
        fields.WriteNumber("bytes", value?.Bytes);
        fields.WriteString("sha256", value?.Sha256);
        fields.WriteBoolean("resumed", value?.Resumed ?? false);
        fields.WriteBoolean("skipped", value?.Skipped ?? false);
        ResultFields.WriteEnd(result, fields);
    }
}
