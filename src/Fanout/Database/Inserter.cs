using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Database;

/// <summary>
/// Loads JSONL or CSV records into a database table, fast and safely: the table is created from the records when
/// missing; parsing runs on every core while writers write (one for SQLite, parallel COPY streams for PostgreSQL);
/// a bad record (invalid, wrong type, constraint violation) is rejected with its <c>file:line</c> and reason and
/// never takes good rows down with it. Results come per chunk of up to 10,000 records, once they are committed.
/// </summary>
/// <example>
/// <code>
/// var inserter = new Inserter(new InsertOptions { Database = "app.db", Table = "events", PrimaryKey = ["id"], Mode = InsertMode.Upsert });
/// await foreach (var chunk in inserter.RunAsync(["events.jsonl"], Console.OpenStandardInput, reject => Console.Error.WriteLine(reject), new WorkPoolOptions(), ct)) { }
/// Console.WriteLine($"{inserter.Totals.Inserted} inserted, {inserter.Totals.Rejected} rejected");
/// </code>
/// </example>
public sealed class Inserter
{
    private readonly DatabaseTarget _target;
    private InsertLoad? _load;

    /// <summary>Checks the options; nothing is opened until <see cref="RunAsync"/>.</summary>
    /// <param name="options">What to load and where.</param>
    /// <exception cref="ArgumentException">The options do not go together (an upsert without a key, a database of an unknown kind...).</exception>
    public Inserter(InsertOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            _target = DatabaseTarget.Parse(options.Database);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException(ex.Message, ex);
        }

        if (!SqlNames.IsPlainTable(options.Table))
        {
            throw new ArgumentException($"table '{options.Table}' is not a name fanout takes: letters, digits and _ (not first a digit), or schema.table of those");
        }

        if (options.Mode == InsertMode.Upsert && options.PrimaryKey.Count == 0)
        {
            throw new ArgumentException("an upsert needs a primary key");
        }

        if (options.BatchSize < 1 || options.Writers < 1)
        {
            throw new ArgumentException("the batch size and the writers must be at least 1");
        }

        Options = options;
        // SQLite has one writer; new columns are added by one writer, so that two connections never race to ALTER the table.
        Writers = !_target.IsPostgres || options.Alter ? 1 : options.Writers ?? _target.DefaultWriters;
    }

    /// <summary>The options.</summary>
    public InsertOptions Options { get; }

    /// <summary>The database as named, without a password: for messages.</summary>
    public string Database => _target.Display;

    /// <summary>How many connections write.</summary>
    public int Writers { get; }

    /// <summary>Counts of the run so far (rows count once committed).</summary>
    public InsertTotals Totals => _load?.Totals() ?? new InsertTotals();

    /// <summary>Whether the run stopped early because <see cref="WorkPoolOptions.MaxFailures"/> records were rejected.</summary>
    /// <remarks>The parser stops at the limit; a writer that reaches it loads no row after the one that did (<see cref="InsertTotals.NotLoaded"/>).</remarks>
    public bool StoppedForRejects => _load is { } load && (load.StoppedForRejects || load.Totals().NotLoaded > 0);

    /// <summary>The input format for these sources: <see cref="InsertOptions.Format"/>, else CSV when every file is named <c>*.csv</c>.</summary>
    /// <param name="sources">File paths; <c>-</c> is standard input.</param>
    /// <returns>The format.</returns>
    public InsertFormat FormatOf(IReadOnlyList<string> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        return Options.Format ?? (Options.Delimiter is not null || (sources.Count > 0 && sources.All(s => new[] { ".csv", ".tsv", ".csv.gz", ".tsv.gz" }.Any(e => s.EndsWith(e, StringComparison.OrdinalIgnoreCase)))) ? InsertFormat.Csv : InsertFormat.Jsonl);
    }

    /// <summary>Rows per transaction for this format: <see cref="InsertOptions.BatchSize"/>, or the database's default.</summary>
    /// <param name="format">The input format.</param>
    /// <returns>The batch size.</returns>
    public int BatchSizeFor(InsertFormat format) => Options.BatchSize
        ?? (!_target.IsPostgres ? InsertOptions.DefaultSqliteBatchSize
            : format == InsertFormat.Csv ? InsertOptions.DefaultPostgresCsvBatchSize
            : InsertOptions.DefaultPostgresJsonlBatchSize);

    /// <summary>Loads the records of <paramref name="sources"/>.</summary>
    /// <param name="sources">File paths; <c>-</c> is standard input; none means standard input.</param>
    /// <param name="openStandardInput">Opens standard input when it is asked for.</param>
    /// <param name="rejected">Receives each rejected record, with its location and reason (from any thread, one at a time).</param>
    /// <param name="pool">
    /// A rate (<see cref="WorkPoolOptions.RatePerSecond"/>) is of rows; <see cref="WorkPoolOptions.MaxFailures"/> stops
    /// the load after that many rejected records; a <see cref="WorkPoolOptions.Shard"/> keeps the records whose
    /// <c>file:line</c> falls in it; <see cref="WorkPoolOptions.AbortToken"/> abandons the open transactions.
    /// </param>
    /// <param name="cancellationToken">Stops reading input; what was read is still written.</param>
    /// <returns>One result per chunk of records, once committed.</returns>
    /// <exception cref="FormatException">The input is not UTF-8.</exception>
    /// <exception cref="InvalidOperationException">The table cannot take the records (a primary key that is not a field).</exception>
    /// <exception cref="System.Data.Common.DbException">The database cannot be reached or written.</exception>
    public IAsyncEnumerable<WorkResult<InsertItem, InsertResult>> RunAsync(
        IReadOnlyList<string> sources,
        Func<Stream> openStandardInput,
        Action<RejectedRow> rejected,
        WorkPoolOptions pool,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(openStandardInput);
        ArgumentNullException.ThrowIfNull(rejected);
        ArgumentNullException.ThrowIfNull(pool);
        var format = FormatOf(sources);
        var gate = new Lock();
        _load = new InsertLoad(_target, Options, Writers, BatchSizeFor(format), pool, row =>
        {
            lock (gate)
            {
                rejected(row);
            }
        });
        return _load.RunAsync(sources, format, openStandardInput, cancellationToken);
    }

    /// <summary>
    /// What loading <paramref name="sources"/> would do, without writing anything: the columns, the statements, the records
    /// that would be rejected and why (see <see cref="InsertPlan"/>). A SQLite file that is not there is not made.
    /// </summary>
    /// <param name="sources">File paths; <c>-</c> is standard input; none means standard input.</param>
    /// <param name="openStandardInput">Opens standard input when it is asked for.</param>
    /// <param name="sample">Read only this many records; null for all.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="FormatException">The input is not UTF-8, or a JSON document is cut.</exception>
    /// <exception cref="InvalidOperationException">The table cannot take the records (a key or --type that is no field, a --type against an existing column).</exception>
    /// <exception cref="System.Data.Common.DbException">The database cannot be read.</exception>
    public Task<InsertPlan> PlanAsync(IReadOnlyList<string> sources, Func<Stream> openStandardInput, long? sample, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(openStandardInput);
        var format = FormatOf(sources);
        return InsertPlan.BuildAsync(_target, Options, sources, format, InsertLoad.ChunkRowsFor(BatchSizeFor(format)), sample, openStandardInput, cancellationToken);
    }

    /// <summary>Writes the output record of one chunk.</summary>
    /// <param name="result">The chunk's result.</param>
    /// <param name="fields">Where the fields go.</param>
    public static void WriteRecord(WorkResult<InsertItem, InsertResult> result, IRecordFieldWriter fields) => InsertRecord.Write(result, fields);
}
