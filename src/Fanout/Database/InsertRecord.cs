using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Database;

/// <summary>The output record of one chunk of a load.</summary>
internal static class InsertRecord
{
    public static void Write(WorkResult<InsertItem, InsertResult> result, IRecordFieldWriter fields)
    {
        ResultFields.WriteStart(result, fields);
        fields.WriteString("source", result.Item.Source);
        fields.WriteNumber("first_line", result.Item.FirstLine);
        fields.WriteNumber("last_line", result.Item.LastLine);
        fields.WriteNumber("records", (long)result.Item.Records);
        fields.WriteNumber("stored", result.Value?.Stored);
        fields.WriteNumber("rejected", result.Value?.Rejected);
        fields.WriteNumber("not_loaded", result.Value?.NotLoaded);
        ResultFields.WriteEnd(result, fields);
    }
}
