using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Downloads;

/// <summary>The output record of one download.</summary>
internal static class DownloadResultRecord
{
    public static void Write(WorkResult<DownloadItem, DownloadResult> result, IRecordFieldWriter fields)
    {
        var value = result.Value;
        fields.WriteString("url", result.Key);
        fields.WriteString("path", value?.Path);
        fields.WriteBoolean("ok", result.Ok);
        fields.WriteNumber("status", value?.StatusCode);
        fields.WriteNumber("bytes", value?.Bytes);
        fields.WriteString("sha256", value?.Sha256);
        fields.WriteBoolean("resumed", value?.Resumed ?? false);
        fields.WriteBoolean("skipped", value?.Skipped ?? false);
        fields.WriteNumber("attempts", (long)result.Attempts);
        fields.WriteNumber("elapsed_ms", result.RunTime.TotalMilliseconds);
        fields.WriteString("error", result.Error?.Message);
        fields.WriteString("error_kind", result.Error?.Kind);
    }
}
