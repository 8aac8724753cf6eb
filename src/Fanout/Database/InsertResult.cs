namespace Fanout.Database;

/// <summary>What became of the records of one <see cref="InsertItem"/>.</summary>
public sealed record InsertResult
{
    /// <summary>Error kind of a chunk some of whose records were rejected (each is in the rejects, with its reason).</summary>
    public const string RejectedKind = "rejected";

    /// <summary>Records committed (inserted, updated, or left out by <see cref="InsertMode.Ignore"/>).</summary>
    public int Stored { get; init; }

    /// <summary>Records rejected: invalid, of the wrong type, or refused by the database.</summary>
    public int Rejected { get; init; }

    /// <summary>Records not written because the limit of rejected records (<see cref="Engine.WorkPoolOptions.MaxFailures"/>) was reached before them.</summary>
    public int NotLoaded { get; init; }
}
