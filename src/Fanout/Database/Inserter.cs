using System.Buffers;
using System.Data.Common;

namespace Fanout.Database;

/// <summary>
/// Loads batches of records into a table through a sink: creates the table from the first batch,
/// checks and converts every row, writes each batch in one transaction, and when a batch fails
/// splits it in halves until the bad rows are isolated, so one bad row never takes good ones down.
/// </summary>
public sealed class Inserter(IInsertSink sink, InsertOptions options)
{
    private TableSchema? _schema;

    /// <summary>Counts so far.</summary>
    public InsertTotals Totals { get; } = new();

    /// <summary>Writes one batch; rejected rows go to <paramref name="reject"/>.</summary>
    /// <param name="batch">The records (ones that failed to parse are rejected with their reason).</param>
    /// <param name="reject">Receives each rejected record.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task for the write.</returns>
    public async Task WriteAsync(IReadOnlyList<InsertRow> batch, Action<RejectedRow> reject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(reject);
        var schema = _schema ??= await PrepareTableAsync(batch, cancellationToken).ConfigureAwait(false);
        if (options.Alter)
        {
            await AddNewColumnsAsync(schema, batch, cancellationToken).ConfigureAwait(false);
        }

        // Every row's values, converted, in one pooled array: no object per row or per value.
        var columns = schema.Columns.Count;
        var cells = ArrayPool<Cell>.Shared.Rent(Math.Max(1, batch.Count * columns));
        var good = ArrayPool<InsertRow>.Shared.Rent(Math.Max(1, batch.Count));
        try
        {
            var count = 0;
            foreach (var row in batch)
            {
                string? reason = row.Error;
                if (reason is null && schema.Convert(row, cells.AsSpan(count * columns, columns), out reason))
                {
                    good[count++] = row;
                }
                else
                {
                    Reject(row, reason!, reject);
                }
            }

            await WriteSplittingAsync(schema, new CellRows(cells, columns, count), good, 0, reject, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Cleared, so the pool does not keep the batch's text buffers alive.
            ArrayPool<Cell>.Shared.Return(cells, clearArray: true);
            ArrayPool<InsertRow>.Shared.Return(good, clearArray: true);
        }
    }

    private async Task WriteSplittingAsync(TableSchema schema, CellRows rows, InsertRow[] good, int offset, Action<RejectedRow> reject, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        try
        {
            var (inserted, updated, ignored) = await sink.WriteAsync(options.Table, schema, rows, options.Mode, options.PrimaryKey, cancellationToken).ConfigureAwait(false);
            Totals.Inserted += inserted;
            Totals.Updated += updated;
            Totals.Ignored += ignored;
        }
        catch (DbException ex) when (!cancellationToken.IsCancellationRequested)
        {
            if (rows.Count == 1)
            {
                Reject(good[offset], Engine.WorkError.Flatten(ex.Message), reject);
                return;
            }

            var half = rows.Count / 2;
            await WriteSplittingAsync(schema, rows.Slice(0, half), good, offset, reject, cancellationToken).ConfigureAwait(false);
            await WriteSplittingAsync(schema, rows.Slice(half, rows.Count - half), good, offset + half, reject, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<TableSchema> PrepareTableAsync(IReadOnlyList<InsertRow> firstBatch, CancellationToken cancellationToken)
    {
        if (await sink.ReadSchemaAsync(options.Table, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var inferred = TableSchema.Infer(firstBatch);
        var missingKey = options.PrimaryKey.Where(k => !inferred.Contains(k)).ToList();
        if (missingKey.Count > 0)
        {
            throw new InvalidOperationException($"primary key column {string.Join(", ", missingKey)} is not a field of the records");
        }

        await sink.CreateTableAsync(options.Table, inferred, options.PrimaryKey, cancellationToken).ConfigureAwait(false);
        return inferred;
    }

    private async Task AddNewColumnsAsync(TableSchema schema, IReadOnlyList<InsertRow> batch, CancellationToken cancellationToken)
    {
        var added = TableSchema.Infer(batch, name => !schema.Contains(name));
        foreach (var (name, type) in added.Columns)
        {
            await sink.AddColumnAsync(options.Table, name, type, cancellationToken).ConfigureAwait(false);
            schema.Add(name, type);
        }
    }

    private void Reject(InsertRow row, string reason, Action<RejectedRow> reject)
    {
        Totals.Rejected++;
        reject(new RejectedRow(row.Location, row.Text, reason));
    }
}
