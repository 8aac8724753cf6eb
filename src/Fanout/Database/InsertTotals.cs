namespace Fanout.Database;

/// <summary>Counts of a load.</summary>
public sealed class InsertTotals
{
    /// <summary>Rows added.</summary>
    public long Inserted { get; internal set; }

    /// <summary>Rows that replaced an existing row's values (upsert).</summary>
    public long Updated { get; internal set; }

    /// <summary>Rows left out because their key existed (ignore).</summary>
    public long Ignored { get; internal set; }

    /// <summary>Rows rejected (invalid, wrong type, constraint violation).</summary>
    public long Rejected { get; internal set; }

    /// <summary>Rows read but not written: the limit of rejected records was reached before them.</summary>
    public long NotLoaded { get; internal set; }

    /// <summary>Every row handled (the ones not loaded are not counted).</summary>
    public long Total => Inserted + Updated + Ignored + Rejected;
}
