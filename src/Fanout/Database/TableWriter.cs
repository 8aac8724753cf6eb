using System.Buffers;
using System.Data.Common;
using Fanout.Database.Parsing;

namespace Fanout.Database;

/// <summary>
/// Writes chunks of records into a table through one connection (a sink): creates the table from the first chunk,
/// checks and converts every row, and streams chunks into one open transaction until it holds
/// <paramref name="batchSize"/> rows, then commits. When a transaction fails, its chunks are written again one by one,
/// and a chunk that fails alone is split in halves until the bad rows are isolated, so one bad row never takes good
/// ones down.
/// </summary>
/// <remarks>
/// The caller keeps every chunk it added readable until the writer says it is finished (the count
/// <see cref="AddAsync"/> and <see cref="CommitAsync"/> return): a failed transaction reads its chunks again.
/// </remarks>
internal sealed class TableWriter(IInsertSink sink, InsertOptions options, int batchSize)
{
    // The open transaction's chunks, in the order added, and the records conversion rejected from them: reported
    // once the transaction commits, or again by the chunk-by-chunk rewrite when it fails, never twice.
    private readonly List<RowChunk> _pending = [];
    private readonly List<(RejectedRow Row, RowChunk Chunk)> _pendingRejects = [];
    private TableSchema? _schema;
    private bool _tableRead;
    private IInsertTransaction? _open;
    private int _openRows;

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
    public async Task<int> AddAsync(RowChunk chunk, Action<RejectedRow> reject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(reject);
        var schema = _schema ??= await PrepareTableAsync(chunk, cancellationToken).ConfigureAwait(false);
        var finished = 0;
        if (options.Alter && TableSchema.Infer(chunk, name => !schema.Contains(name)) is { Columns.Count: > 0 } added)
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
        try
        {
            var count = Convert(schema, chunk, cells, null, rejected => _pendingRejects.Add((rejected, chunk)));
            _open ??= await sink.BeginAsync(options.Table, schema, options.Mode, options.PrimaryKey, cancellationToken).ConfigureAwait(false);
            await _open.WriteAsync(new CellRows(cells, columns, count), cancellationToken).ConfigureAwait(false);
        }
        catch (DbException) when (!cancellationToken.IsCancellationRequested)
        {
            return finished + await RewriteAsync(reject, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Cleared, so the pool does not keep the chunk's text buffers alive.
            ArrayPool<Cell>.Shared.Return(cells, clearArray: true);
        }

        return finished + (_openRows >= batchSize ? await CommitAsync(reject, cancellationToken).ConfigureAwait(false) : 0);
    }

    /// <summary>Commits the open transaction, if any.</summary>
    /// <param name="reject">Receives each rejected record.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>How many chunks this finished: all those added and not yet finished.</returns>
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
                    var (inserted, updated, ignored) = await open.CommitAsync(cancellationToken).ConfigureAwait(false);
                    Totals.Inserted += inserted;
                    Totals.Updated += updated;
                    Totals.Ignored += ignored;
                }
                catch (DbException) when (!cancellationToken.IsCancellationRequested)
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

        var finished = _pending.Count;
        _pending.Clear();
        _pendingRejects.Clear();
        _openRows = 0;
        return finished;
    }

    /// <summary>The open transaction failed: writes its chunks again, each in a transaction of its own.</summary>
    private async Task<int> RewriteAsync(Action<RejectedRow> reject, CancellationToken cancellationToken)
    {
        if (_open is { } open)
        {
            _open = null;
            await open.DisposeAsync().ConfigureAwait(false);
        }

        var chunks = _pending.ToArray();
        _pending.Clear();
        _pendingRejects.Clear();
        _openRows = 0;
        var schema = _schema!;
        var columns = schema.Columns.Count;
        foreach (var chunk in chunks)
        {
            var cells = ArrayPool<Cell>.Shared.Rent(Math.Max(1, chunk.Count * columns));
            var good = ArrayPool<InsertRow>.Shared.Rent(Math.Max(1, chunk.Count));
            try
            {
                var count = Convert(schema, chunk, cells, good, rejected => Reject(rejected, chunk, reject));

                // A transaction of this one chunk has failed already: straight to its halves.
                await WriteSplittingAsync(schema, new CellRows(cells, columns, count), good, 0, failed: chunks.Length == 1, rejected => Reject(rejected, chunk, reject), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<Cell>.Shared.Return(cells, clearArray: true);
                ArrayPool<InsertRow>.Shared.Return(good, clearArray: true);
            }
        }

        return chunks.Length;
    }

    /// <summary>Converts a chunk's rows into <paramref name="cells"/>, every row's values in one pooled array (no object per row or value).</summary>
    /// <returns>How many rows converted; the others went to <paramref name="rejected"/>.</returns>
    private static int Convert(TableSchema schema, IReadOnlyList<InsertRow> chunk, Cell[] cells, InsertRow[]? good, Action<RejectedRow> rejected)
    {
        var columns = schema.Columns.Count;
        var count = 0;
        foreach (var row in chunk)
        {
            string? reason = row.Error;
            if (reason is null && schema.Convert(row, cells.AsSpan(count * columns, columns), out reason))
            {
                if (good is not null)
                {
                    good[count] = row;
                }

                count++;
            }
            else
            {
                rejected(new RejectedRow(row.Location, row.Text, reason!));
            }
        }

        return count;
    }

    private async Task WriteSplittingAsync(TableSchema schema, CellRows rows, InsertRow[] good, int offset, bool failed, Action<RejectedRow> reject, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        // One row is written even when known to fail: its error is the reason to report.
        if (!failed || rows.Count == 1)
        {
            try
            {
                var transaction = await sink.BeginAsync(options.Table, schema, options.Mode, options.PrimaryKey, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    await transaction.WriteAsync(rows, cancellationToken).ConfigureAwait(false);
                    var (inserted, updated, ignored) = await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    Totals.Inserted += inserted;
                    Totals.Updated += updated;
                    Totals.Ignored += ignored;
                    return;
                }
            }
            catch (DbException ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (rows.Count == 1)
                {
                    reject(new RejectedRow(good[offset].Location, good[offset].Text, Engine.WorkError.Flatten(ex.Message)));
                    return;
                }
            }
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

        var inferred = TableSchema.Infer(firstChunk);
        var missingKey = options.PrimaryKey.Where(k => !inferred.Contains(k)).ToList();
        if (missingKey.Count > 0)
        {
            throw new InvalidOperationException($"primary key column {string.Join(", ", missingKey)} is not a field of the records");
        }

        await sink.CreateTableAsync(options.Table, inferred, options.PrimaryKey, cancellationToken).ConfigureAwait(false);
        return inferred;
    }

    private void Reject(RejectedRow row, RowChunk chunk, Action<RejectedRow> reject)
    {
        Totals.Rejected++;
        chunk.Rejected++;
        reject(row);
    }
}
