using Fanout.Database.Parsing;
using Npgsql;

namespace Fanout.Database.Postgres;

/// <summary>
/// A PostgreSQL transaction holding one COPY open from the first row to the commit: however many batches go in,
/// the server starts one COPY (each costs it a few milliseconds) and the rows stream without a round trip.
/// Plain inserts COPY straight into the table; upserts and ignores COPY into a temporary staging table and move
/// the rows with <c>INSERT ... ON CONFLICT</c> at the commit. The server reports a bad row when the COPY ends, at the commit.
/// </summary>
internal sealed class PostgresInsertTransaction : IInsertTransaction
{
    private const string Staging = "fanout_staging";
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly string _moveSql;
    private IAsyncDisposable? _copy;
    private Func<Task>? _cancelCopy;
    private CopyEncoder? _encoder;
    private long _rows;

    private PostgresInsertTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, string moveSql)
    {
        _connection = connection;
        _transaction = transaction;
        _moveSql = moveSql;
    }

    /// <summary>Starts the transaction and its COPY.</summary>
    /// <param name="connection">An open connection with no transaction.</param>
    /// <param name="table">The table.</param>
    /// <param name="schema">The columns the values are in.</param>
    /// <param name="mode">What to do with existing keys.</param>
    /// <param name="primaryKey">The key columns, for upserts and ignores.</param>
    /// <param name="binary">Whether every column is of the very type fanout declares for its kind, so that COPY can take binary values.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>The open transaction.</returns>
    public static async Task<PostgresInsertTransaction> BeginAsync(NpgsqlConnection connection, string table, TableSchema schema, InsertMode mode, IReadOnlyList<string> primaryKey, bool binary, CancellationToken cancellationToken)
    {
        var columnList = string.Join(", ", schema.Columns.Select(c => SqlNames.Quote(c.Key)));
        var moveSql = string.Empty;
        if (mode != InsertMode.Insert)
        {
            var target = primaryKey.Count == 0 ? string.Empty : $"({string.Join(", ", primaryKey.Select(SqlNames.Quote))})";
            var updatable = schema.Columns.Select(c => c.Key).Where(c => !primaryKey.Contains(c)).ToList();
            var action = mode == InsertMode.Upsert && updatable.Count > 0
                ? $"DO UPDATE SET {string.Join(", ", updatable.Select(c => $"{SqlNames.Quote(c)} = EXCLUDED.{SqlNames.Quote(c)}"))}"
                : "DO NOTHING";
            moveSql = $"INSERT INTO {SqlNames.Quote(table)} ({columnList}) SELECT {columnList} FROM {Staging} ON CONFLICT {target} {action} RETURNING (xmax = 0)";
        }

        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var result = new PostgresInsertTransaction(connection, transaction, moveSql);
        try
        {
            if (mode != InsertMode.Insert)
            {
                // The staging table has no constraints: a NOT NULL or type problem surfaces in the move instead.
                await using var create = new NpgsqlCommand($"CREATE TEMP TABLE {Staging} (LIKE {SqlNames.Quote(table)} INCLUDING DEFAULTS) ON COMMIT DROP", connection, transaction);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // The encoder writes straight to the raw COPY stream, with no object per value (Npgsql's binary importer
            // cost more per value than the server spent storing it).
            var into = mode == InsertMode.Insert ? SqlNames.Quote(table) : Staging;
            Stream stream;
            if (binary)
            {
                var raw = await connection.BeginRawBinaryCopyAsync($"COPY {into} ({columnList}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
                (result._copy, result._cancelCopy, stream) = (raw, raw.CancelAsync, raw);
            }
            else
            {
                var writer = (NpgsqlCopyTextWriter)await connection.BeginTextImportAsync($"COPY {into} ({columnList}) FROM STDIN", cancellationToken).ConfigureAwait(false);
                (result._copy, result._cancelCopy, stream) = (writer, writer.CancelAsync, writer.BaseStream);
            }

            result._encoder = new CopyEncoder(stream, binary);
            result._encoder.Start();
            return result;
        }
        catch
        {
            await result.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    public ValueTask WriteAsync(CellRows rows, CancellationToken cancellationToken)
    {
        var encoder = _encoder ?? throw new InvalidOperationException("the transaction has ended");
        encoder.Write(rows, cancellationToken);
        _rows += rows.Count;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<(long Inserted, long Updated, long Ignored)> CommitAsync(CancellationToken cancellationToken)
    {
        var copy = _copy ?? throw new InvalidOperationException("the transaction has ended");
        _encoder!.Finish();
        _encoder.Dispose();
        _encoder = null;
        _copy = null;

        // Disposing the stream ends the COPY; the server's error for a bad row is thrown here.
        await copy.DisposeAsync().ConfigureAwait(false);
        long inserted = _rows, updated = 0;
        if (_moveSql.Length > 0)
        {
            inserted = 0;
            await using var command = new NpgsqlCommand(_moveSql, _connection, _transaction);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);

            // xmax is 0 for a freshly inserted row version and set for one an ON CONFLICT UPDATE wrote.
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (reader.GetBoolean(0))
                {
                    inserted++;
                }
                else
                {
                    updated++;
                }
            }
        }

        await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (inserted, updated, _rows - inserted - updated);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _encoder?.Dispose();
        _encoder = null;
        if (_copy is { } copy)
        {
            _copy = null;
            try
            {
                // Abandons the COPY (the server drops its rows); a connection that broke has nothing left to abandon.
                await _cancelCopy!().ConfigureAwait(false);
                await copy.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or ObjectDisposedException)
            {
                // The error that ended the transaction is the one the caller reports.
            }
        }

        await _transaction.DisposeAsync().ConfigureAwait(false);
    }
}
