using System.Buffers;
using System.Data.Common;
using Fanout.Database.Parsing;

namespace Fanout.Database;

/// <summary>
/// Writes chunks of records into a table through one connection (a sink): creates the table from the first chunk,
/// checks and converts every row, and streams chunks into one open transaction until it holds
/// <paramref name="batchSize"/> rows, then commits. A row the database refuses on its own (SQLite) is rejected and the
/// transaction goes on. When a transaction fails, its chunks are written again together with the rows whose key is
/// taken found and rejected by the database (PostgreSQL), else one by one, each the same way first, then, if it still
/// fails, split in halves until the bad rows are isolated, so one bad row never takes good ones down. A transient failure (a lost connection) is not the
/// rows' fault: it is thrown, for the caller to write the chunks again on a new connection.
/// </summary>
/// <remarks>
/// The caller keeps every chunk it added readable until the writer says it is finished (the count
/// <see cref="AddAsync"/> and <see cref="CommitAsync"/> return): a failed transaction reads its chunks again.
/// </remarks>
internal sealed class TableWriter(IInsertSink sink, InsertOptions options, int batchSize)
{
    // The open transaction's chunks, in the order added, and the records rejected from them: reported once the
    // transaction commits, or again by the chunk-by-chunk rewrite when it fails, never twice.
    private readonly List<RowChunk> _pending = [];
    private readonly List<(RejectedRow Row, RowChunk Chunk)> _pendingRejects = [];
    private TableSchema? _schema;
    private bool _tableRead;
    private IInsertTransaction? _open;
    private int _openRows;

    /// <summary>
    /// Whether the limit of rejected records is reached, given this writer's rejects not yet committed; <see langword="null"/>
    /// for no limit. Rows after the one that reaches it are not written (a database that refuses rows one at a time).
    /// </summary>
    public Func<int, bool>? OverLimit { get; init; }

    /// <summary>Counts so far (rows count once their transaction commits).</summary>
    public InsertTotals Totals { get; } = new();

    /// <summary>
    /// Reads the table's columns (if it exists) ahead of the first chunk, so the database can answer while the first
    /// records are parsed. Optional: the first chunk reads them otherwise.
    /// </summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>A task for the query.</returns>
    public async Task ReadTableAsync(CancellationToken cancellationToken)
    {
        if (!_tableRead)
        {
            _schema = await sink.ReadSchemaAsync(options.Table, cancellationToken).ConfigureAwait(false);
            _tableRead = true;
            _schema?.CheckTypes(options);
        }
    }

    /// <summary>Writes one chunk, and any added before it, and commits.</summary>
    /// <param name="chunk">The records (ones that failed to parse are rejected with their reason).</param>
    /// <param name="reject">Receives each rejected record.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task for the write.</returns>
    public async Task WriteAsync(RowChunk chunk, Action<RejectedRow> reject, CancellationToken cancellationToken)
    {
        await AddAsync(chunk, reject, cancellationToken).ConfigureAwait(false);
        await CommitAsync(reject, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams a chunk into the open transaction (starting one), and commits when it holds the batch size's rows.</summary>
    /// <param name="chunk">The records (ones that failed to parse are rejected with their reason); read until finished.</param>
    /// <param name="reject">Receives each rejected record.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>How many of the chunks added so far this call finished (written or rejected, no longer read), oldest first.</returns>
    /// <exception cref="DbException">A transient failure (see <see cref="IInsertSink.IsTransient"/>): the chunks not finished are to be written again.</exception>
    public async Task<int> AddAsync(RowChunk chunk, Action<RejectedRow> reject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(reject);
        var schema = _schema ??= await PrepareTableAsync(chunk, cancellationToken).ConfigureAwait(false);
        var finished = 0;
        if (options.Alter && TableSchema.Infer(chunk, name => !schema.Contains(name)).Typed(options.Types) is { Columns.Count: > 0 } added)
        {
            // The open transaction's rows are in the old columns, and PostgreSQL cannot alter a table mid-COPY.
            finished = await CommitAsync(reject, cancellationToken).ConfigureAwait(false);
            foreach (var (name, type) in added.Columns)
            {
                await sink.AddColumnAsync(options.Table, name, type, cancellationToken).ConfigureAwait(false);
                schema.Add(name, type);
            }
        }

        _pending.Add(chunk);
        _openRows += chunk.Count;
        var columns = schema.Columns.Count;
        var cells = ArrayPool<Cell>.Shared.Rent(Math.Max(1, chunk.Count * columns));
        var good = ArrayPool<InsertRow>.Shared.Rent(Math.Max(1, chunk.Count));
        try
        {
            // With a limit of rejects (--max-failures), no row after the one that reaches it is written: it is not loaded.
            var stop = OverLimit is { } over ? () => over(_pendingRejects.Count) : (Func<bool>?)null;
            var count = 0;
            if (stop?.Invoke() == true)
            {
                chunk.NotLoaded += chunk.Count;
            }
            else
            {
                count = Convert(schema, chunk, cells, good, rejected => _pendingRejects.Add((rejected, chunk)), stop, out var converted);
                chunk.NotLoaded += chunk.Count - converted;
            }

            _open ??= await sink.BeginAsync(options.Table, schema, options.Mode, options.PrimaryKey, rejectKeyConflicts: false, cancellationToken).ConfigureAwait(false);
            var written = await _open.WriteAsync(new CellRows(cells, columns, count), refused => _pendingRejects.Add((Rejected(good[refused.Row], refused), chunk)), stop, cancellationToken).ConfigureAwait(false);
            chunk.NotLoaded += count - written;
        }
        catch (DbException ex) when (!cancellationToken.IsCancellationRequested && !sink.IsTransient(ex))
        {
            return finished + await RewriteAsync(reject, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Cleared, so the pool does not keep the chunk's text buffers alive.
            ArrayPool<Cell>.Shared.Return(cells, clearArray: true);
            ArrayPool<InsertRow>.Shared.Return(good, clearArray: true);
        }

        return finished + (_openRows >= batchSize ? await CommitAsync(reject, cancellationToken).ConfigureAwait(false) : 0);
    }

    /// <summary>Commits the open transaction, if any.</summary>
    /// <param name="reject">Receives each rejected record.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>How many chunks this finished: all those added and not yet finished.</returns>
    /// <exception cref="DbException">A transient failure: the chunks are to be written again.</exception>
    public async Task<int> CommitAsync(Action<RejectedRow> reject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reject);
        if (_open is { } open)
        {
            _open = null;
            var failed = false;
            await using (open.ConfigureAwait(false))
            {
                try
                {
                    // Only a key-conflict transaction refuses rows at its commit, and the main one never is one.
                    var (inserted, updated, ignored) = await open.CommitAsync(static _ => { }, cancellationToken).ConfigureAwait(false);
                    Count(inserted, updated, ignored);
                }
                catch (DbException ex) when (!cancellationToken.IsCancellationRequested && !sink.IsTransient(ex))
                {
                    failed = true;
                }
            }

            if (failed)
            {
                return await RewriteAsync(reject, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var (rejected, chunk) in _pendingRejects)
        {
            Reject(rejected, chunk, reject);
        }

        Totals.NotLoaded += _pending.Sum(c => c.NotLoaded);
        var finished = _pending.Count;
        Forget();
        return finished;
    }

    /// <summary>Drops the open transaction and what it held (a transient failure: the caller writes the chunks again elsewhere).</summary>
    public async Task AbandonAsync()
    {
        if (_open is { } open)
        {
            _open = null;
            await open.DisposeAsync().ConfigureAwait(false);
        }

        Forget();
    }

    private void Forget()
    {
        _pending.Clear();
        _pendingRejects.Clear();
        _openRows = 0;
    }

    /// <summary>
    /// The open transaction failed: writes its chunks again. First all of them in one transaction that has the database
    /// find the rows whose key is taken (a rerun without --upsert: one pass, not a split down to every row); when that
    /// fails too, a row is bad for another reason, and each chunk is written in a transaction of its own.
    /// </summary>
    private async Task<int> RewriteAsync(Action<RejectedRow> reject, CancellationToken cancellationToken)
    {
        if (_open is { } open)
        {
            _open = null;
            await open.DisposeAsync().ConfigureAwait(false);
        }

        var chunks = _pending.ToArray();
        Forget();
        var schema = _schema!;
        foreach (var chunk in chunks)
        {
            // Written again whole: what the limit kept out is decided again.
            chunk.NotLoaded = 0;
        }

        if (options.Mode == InsertMode.Insert && options.PrimaryKey.Count > 0 && chunks.Length > 1
            && await TryWriteTogetherAsync(schema, chunks, reject, cancellationToken).ConfigureAwait(false))
        {
            return chunks.Length;
        }

        var columns = schema.Columns.Count;
        foreach (var chunk in chunks)
        {
            var cells = ArrayPool<Cell>.Shared.Rent(Math.Max(1, chunk.Count * columns));
            var good = ArrayPool<InsertRow>.Shared.Rent(Math.Max(1, chunk.Count));
            try
            {
                void RejectRow(RejectedRow rejected) => Reject(rejected, chunk, reject);
                var count = Convert(schema, chunk, cells, good, RejectRow);
                var rows = new CellRows(cells, columns, count);

                // Rows whose key is taken: found by the database in one go, not one by one.
                if (!await TryWriteAsync(schema, rows, good, 0, rejectKeyConflicts: true, RejectRow, cancellationToken).ConfigureAwait(false))
                {
                    await WriteSplittingAsync(schema, rows, good, 0, failed: true, RejectRow, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<Cell>.Shared.Return(cells, clearArray: true);
                ArrayPool<InsertRow>.Shared.Return(good, clearArray: true);
            }
        }

        return chunks.Length;
    }

    /// <summary>
    /// Writes the chunks in one transaction that leaves out (and rejects) the rows whose key is taken; <see langword="false"/>,
    /// with nothing reported or counted, when it failed for a row's sake.
    /// </summary>
    private async Task<bool> TryWriteTogetherAsync(TableSchema schema, RowChunk[] chunks, Action<RejectedRow> reject, CancellationToken cancellationToken)
    {
        var columns = schema.Columns.Count;

        // Every row written, in order, with its chunk: what a refusal at the commit (a place among all rows) points to.
        // Refusals are kept as places and made into records (text, location) only when reported: a rerun refuses every row.
        var written = new List<(InsertRow Row, RowChunk Chunk)>();
        var invalid = new List<(RejectedRow Row, RowChunk Chunk)>();
        var refused = new List<(int Written, RowRejection Refusal)>();
        try
        {
            var transaction = await sink.BeginAsync(options.Table, schema, options.Mode, options.PrimaryKey, rejectKeyConflicts: true, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                foreach (var chunk in chunks)
                {
                    var cells = ArrayPool<Cell>.Shared.Rent(Math.Max(1, chunk.Count * columns));
                    var good = ArrayPool<InsertRow>.Shared.Rent(Math.Max(1, chunk.Count));
                    try
                    {
                        var count = Convert(schema, chunk, cells, good, row => invalid.Add((row, chunk)));
                        var first = written.Count;
                        for (var i = 0; i < count; i++)
                        {
                            written.Add((good[i], chunk));
                        }

                        await transaction.WriteAsync(new CellRows(cells, columns, count), r => refused.Add((first + r.Row, r)), null, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        ArrayPool<Cell>.Shared.Return(cells, clearArray: true);
                        ArrayPool<InsertRow>.Shared.Return(good, clearArray: true);
                    }
                }

                var (inserted, updated, ignored) = await transaction.CommitAsync(r => refused.Add((r.Row, r)), cancellationToken).ConfigureAwait(false);
                Count(inserted, updated, ignored);
            }
        }
        catch (DbException ex) when (!cancellationToken.IsCancellationRequested && !sink.IsTransient(ex))
        {
            return false;
        }

        foreach (var (row, chunk) in invalid)
        {
            Reject(row, chunk, reject);
        }

        foreach (var (at, refusal) in refused)
        {
            Reject(Rejected(written[at].Row, refusal), written[at].Chunk, reject);
        }

        return true;
    }

    /// <summary>Converts a chunk's rows into <paramref name="cells"/>, every row's values in one pooled array (no object per row or value).</summary>
    /// <returns>How many rows converted (in <paramref name="good"/>); the others went to <paramref name="rejected"/>.</returns>
    internal static int Convert(TableSchema schema, IReadOnlyList<InsertRow> chunk, Cell[] cells, InsertRow[] good, Action<RejectedRow> rejected) =>
        Convert(schema, chunk, cells, good, rejected, null, out _);

    /// <summary>
    /// As the other, asking <paramref name="stop"/> after each rejected row whether to convert no more (the limit of
    /// rejects); <paramref name="consumed"/> is how many of the chunk's rows were looked at.
    /// </summary>
    private static int Convert(TableSchema schema, IReadOnlyList<InsertRow> chunk, Cell[] cells, InsertRow[] good, Action<RejectedRow> rejected, Func<bool>? stop, out int consumed)
    {
        var columns = schema.Columns.Count;
        var count = 0;
        consumed = 0;
        foreach (var row in chunk)
        {
            consumed++;
            if (row.Error is { } invalid)
            {
                rejected(new RejectedRow(row.Location, row.Text, invalid) { Kind = RejectedRow.InvalidKind });
            }
            else if (schema.Convert(row, cells.AsSpan(count * columns, columns), out var reason, out var kind))
            {
                good[count++] = row;
                continue;
            }
            else
            {
                rejected(new RejectedRow(row.Location, row.Text, reason!) { Kind = kind! });
            }

            if (stop?.Invoke() == true)
            {
                break;
            }
        }

        return count;
    }

    /// <summary>Writes the rows in a transaction of their own; <see langword="false"/> when it failed for a row's sake.</summary>
    private async Task<bool> TryWriteAsync(TableSchema schema, CellRows rows, InsertRow[] good, int offset, bool rejectKeyConflicts, Action<RejectedRow> reject, CancellationToken cancellationToken)
    {
        var refused = new List<RejectedRow>();
        try
        {
            var transaction = await sink.BeginAsync(options.Table, schema, options.Mode, options.PrimaryKey, rejectKeyConflicts, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await transaction.WriteAsync(rows, r => refused.Add(Rejected(good[offset + r.Row], r)), null, cancellationToken).ConfigureAwait(false);
                var (inserted, updated, ignored) = await transaction.CommitAsync(r => refused.Add(Rejected(good[offset + r.Row], r)), cancellationToken).ConfigureAwait(false);
                Count(inserted, updated, ignored);
            }
        }
        catch (DbException ex) when (!cancellationToken.IsCancellationRequested && !sink.IsTransient(ex))
        {
            if (rows.Count == 1)
            {
                // One row is written even when known to fail: its error is the reason to report.
                var (kind, reason) = sink.Refusal(ex);
                reject(new RejectedRow(good[offset].Location, good[offset].Text, Engine.WorkError.Flatten(reason)) { Kind = kind });
                return true;
            }

            return false;
        }

        foreach (var row in refused)
        {
            reject(row);
        }

        return true;
    }

    private async Task WriteSplittingAsync(TableSchema schema, CellRows rows, InsertRow[] good, int offset, bool failed, Action<RejectedRow> reject, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        if ((!failed || rows.Count == 1) && await TryWriteAsync(schema, rows, good, offset, rejectKeyConflicts: false, reject, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var half = rows.Count / 2;
        await WriteSplittingAsync(schema, rows.Slice(0, half), good, offset, failed: false, reject, cancellationToken).ConfigureAwait(false);
        await WriteSplittingAsync(schema, rows.Slice(half, rows.Count - half), good, offset + half, failed: false, reject, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TableSchema> PrepareTableAsync(RowChunk firstChunk, CancellationToken cancellationToken)
    {
        await ReadTableAsync(cancellationToken).ConfigureAwait(false);
        if (_schema is { } existing)
        {
            return existing;
        }

        var inferred = TableSchema.ForNewTable(firstChunk, options);
        await sink.CreateTableAsync(options.Table, inferred, options.PrimaryKey, cancellationToken).ConfigureAwait(false);
        return inferred;
    }

    private static RejectedRow Rejected(InsertRow row, RowRejection refusal) =>
        new(row.Location, row.Text, Engine.WorkError.Flatten(refusal.Reason)) { Kind = refusal.Kind };

    private void Count(long inserted, long updated, long ignored)
    {
        Totals.Inserted += inserted;
        Totals.Updated += updated;
        Totals.Ignored += ignored;
    }

    private void Reject(RejectedRow row, RowChunk chunk, Action<RejectedRow> reject)
    {
        Totals.Rejected++;
        chunk.Rejected++;
        reject(row);
    }
}
