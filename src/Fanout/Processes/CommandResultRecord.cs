using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Processes;

/// <summary>The output record of one command or test.</summary>
internal static class CommandResultRecord
{
    public static void Write(WorkResult<CommandItem, CommandResult> result, IRecordFieldWriter fields)
    {
        var value = result.Value;
        fields.WriteString("name", result.Key);
        fields.WriteString("command", result.Item.Command);
        fields.WriteString("outcome", value is null ? "error" : value.OutcomeName);
        fields.WriteBoolean("ok", result.Ok);
        fields.WriteNumber("exit_code", value?.ExitCode);
        fields.WriteNumber("duration_ms", (value?.Duration ?? result.RunTime).TotalMilliseconds);
        fields.WriteBoolean("flaky", result.Ok && result.Attempts > 1);
        fields.WriteString("stdout", value?.Stdout);
        fields.WriteString("stderr", value?.Stderr);
        fields.WriteBoolean("output_truncated", value?.OutputTruncated ?? false);
        fields.WriteString("error", result.Error?.Message);
    }
}
