namespace Fanout.Database;

/// <summary>What and how to insert.</summary>
public sealed record InsertOptions
{
    /// <summary>The default rows per transaction.</summary>
    public const int DefaultBatchSize = 10_000;

    /// <summary>The table; created when missing.</summary>
    public required string Table { get; init; }

    /// <summary>Primary key columns, used when the table is created and for upserts.</summary>
    /// <value>Default none.</value>
    public IReadOnlyList<string> PrimaryKey { get; init; } = [];

    /// <summary>What to do with rows whose key exists.</summary>
    /// <value>Default <see cref="InsertMode.Insert"/>.</value>
    public InsertMode Mode { get; init; }

    /// <summary>Add a column for a field first seen in a later record, instead of rejecting the record.</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool Alter { get; init; }

    /// <summary>Rows per transaction.</summary>
    /// <value>Default <see cref="DefaultBatchSize"/> (10,000).</value>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>Stop the load after this many rejected rows; <see langword="null"/> never stops.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public int? MaxErrors { get; init; }
}
