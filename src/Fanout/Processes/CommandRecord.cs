using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Processes;

/// <summary>The output record of one command or test.</summary>
internal static class CommandRecord
{
    public static void Write(WorkResult<CommandItem, CommandResult> result, IRecordFieldWriter fields)
    {
        var value = result.Value;
        ResultFields.WriteStart(result, fields);
        fields.WriteString("name", result.Item.Name);
        fields.WriteString("command", result.Item.Command);
        fields.WriteString("outcome", value is null ? "error" : value.OutcomeName);
        fields.WriteNumber("exit_code", value?.ExitCode);
        fields.WriteNumber("duration_ms", (value?.Duration ?? result.RunTime).TotalMilliseconds);
        fields.WriteBoolean("flaky", result.Ok && result.Attempts > 1);
        fields.WriteString("stdout", value?.Stdout);
        fields.WriteString("stderr", value?.Stderr);
        fields.WriteBoolean("output_truncated", value?.OutputTruncated ?? false);
        fields.WriteNumber("survivors", value?.Survivors);
        ResultFields.WriteEnd(result, fields);
    }
}
