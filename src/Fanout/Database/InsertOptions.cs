namespace Fanout.Database;

/// <summary>
/// What to load and where. Pool settings (a rate of rows,
/// a limit of rejected rows as <see cref="Engine.WorkPoolOptions.MaxFailures"/>, shards) are in <see cref="Engine.WorkPoolOptions"/>.
/// </summary>
public sealed record InsertOptions
{
    /// <summary>The default rows per transaction for SQLite.</summary>
    public const int DefaultSqliteBatchSize = 10_000;

    /// <summary>
    /// The default rows per transaction for JSONL into PostgreSQL. Each transaction streams through one COPY, and a
    /// COPY costs the server ~3 ms to start and a commit waits for it to catch up: 1M rows took 1.99-2.07 s in
    /// transactions of 100k and 1.63-1.74 s in one. JSONL kept for a retry costs about its own size (written chunks
    /// are compacted to their raw lines).
    /// </summary>
    public const int DefaultPostgresJsonlBatchSize = 1_000_000;

    /// <summary>The default rows per transaction for CSV into PostgreSQL (CSV chunks are compacted like JSONL, but parse slower if a transaction must be written again).</summary>
    public const int DefaultPostgresCsvBatchSize = 100_000;

    /// <summary>
    /// The most PostgreSQL writers by default: one per core up to this, but half the cores when the server is on this
    /// machine (it needs the other half). With the server on the same two cores, 1M rows took 1.67-1.75 s with one
    /// writer and 2.05-2.12 s with two (writers contend for the key index's right edge and for the cores).
    /// </summary>
    public const int MostDefaultPostgresWriters = 4;

    /// <summary>The database: a SQLite file path (created if missing, <c>sqlite:</c> prefix allowed), or <c>postgres://user@host:port/database</c>.</summary>
    public required string Database { get; init; }

    /// <summary>The table; created from the records' fields and types when missing.</summary>
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

    /// <summary>The character between CSV fields (<c>--delimiter</c>; ASCII); null: a tab for <c>.tsv</c> files, else a comma.</summary>
    public char? Delimiter { get; init; }

    /// <summary>Nested JSON objects become columns named <c>outer_inner</c> (as sqlite-utils' --flatten); arrays stay JSON.</summary>
    public bool Flatten { get; init; }

    /// <summary>
    /// Column types chosen instead of inferred (<c>--type zip=text</c>), for a new table and for columns <see cref="Alter"/>
    /// adds. Values are converted to them (numbers as written to text, <c>"42"</c> to an integer, JSON text to JSON); a value
    /// that cannot be rejects its record. A type that disagrees with an existing column is an error before anything is written.
    /// </summary>
    /// <value>Default none.</value>
    public IReadOnlyDictionary<string, ColumnType> Types { get; init; } = new Dictionary<string, ColumnType>();

    /// <summary>
    /// The dotted path of object fields whose array holds the records (<c>data</c> for <c>{"data": [...]}</c>); null: JSON
    /// lines, or a top-level array. A record's location in an array is <c>file:N</c> with N its place in the array.
    /// </summary>
    public string? RecordsAt { get; init; }

    /// <summary>How the input is read.</summary>
    /// <value>Default <see langword="null"/>: CSV when every input file's name ends in <c>.csv</c>, else JSONL.</value>
    public InsertFormat? Format { get; init; }

    /// <summary>Rows per transaction (a failed one is written again in smaller ones to find the bad rows).</summary>
    /// <value>
    /// Default <see langword="null"/>: <see cref="DefaultSqliteBatchSize"/> for SQLite, <see cref="DefaultPostgresJsonlBatchSize"/>
    /// or <see cref="DefaultPostgresCsvBatchSize"/> for PostgreSQL.
    /// </value>
    public int? BatchSize { get; init; }

    /// <summary>How many connections write at once (SQLite has one writer; <see cref="Alter"/> also takes one).</summary>
    /// <value>Default <see langword="null"/>: 1 for SQLite; for PostgreSQL one per core, at most <see cref="MostDefaultPostgresWriters"/>, half the cores when the server is local.</value>
    public int? Writers { get; init; }
}
