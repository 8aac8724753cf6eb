using System.Data.Common;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Fanout.Database;

/// <summary>
/// SQLite through one writer connection (SQLite has one writer: more connections only queue on its
/// lock, or fail with "database is locked"), WAL journal, one transaction per batch and one prepared
/// statement reused for every row.
/// </summary>
public sealed class SqliteSink : IInsertSink
{
    private readonly SqliteConnection _connection;

    private SqliteSink(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens (creating) the database file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The sink.</returns>
    public static async Task<SqliteSink> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 60 }.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var pragma = connection.CreateCommand();
        // WAL lets readers work during a load; NORMAL syncs at checkpoints, still safe against process crashes.
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=60000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new SqliteSink(connection);
    }

    /// <inheritdoc/>
    public async Task<TableSchema?> ReadSchemaAsync(string table, CancellationToken cancellationToken)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT name, type FROM pragma_table_info($table) ORDER BY cid";
        command.Parameters.AddWithValue("$table", table);
        var columns = new List<KeyValuePair<string, ColumnType>>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            columns.Add(new(reader.GetString(0), FromDeclared(reader.GetString(1))));
        }

        return columns.Count == 0 ? null : new TableSchema(columns);
    }

    /// <inheritdoc/>
    public async Task CreateTableAsync(string table, TableSchema schema, IReadOnlyList<string> primaryKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(primaryKey);
        await ExecuteAsync(SqlNames.CreateTable(table, schema, primaryKey, Declared), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task AddColumnAsync(string table, string name, ColumnType type, CancellationToken cancellationToken) =>
        ExecuteAsync($"ALTER TABLE {SqlNames.Quote(table)} ADD COLUMN {SqlNames.Quote(name)} {Declared(type)}", cancellationToken);

    /// <inheritdoc/>
    public async Task<(long Inserted, long Updated, long Ignored)> WriteAsync(string table, TableSchema schema, CellRows rows, InsertMode mode, IReadOnlyList<string> primaryKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(primaryKey);
        var names = schema.Columns.Select(c => c.Key).ToList();
        // ON CONFLICT DO NOTHING covers key conflicts only; OR IGNORE would also hide NOT NULL and CHECK failures.
        var insertSql = $"INSERT INTO {SqlNames.Quote(table)} ({string.Join(", ", names.Select(SqlNames.Quote))}) VALUES ({string.Join(", ", names.Select((_, i) => "?" + (i + 1)))}){(mode == InsertMode.Insert ? string.Empty : " ON CONFLICT DO NOTHING")}";
        var updatable = names.Where(n => !primaryKey.Contains(n)).ToList();
        var updateSql = mode == InsertMode.Upsert && updatable.Count > 0
            ? $"UPDATE {SqlNames.Quote(table)} SET {string.Join(", ", updatable.Select(n => $"{SqlNames.Quote(n)} = ?{names.IndexOf(n) + 1}"))} WHERE {string.Join(" AND ", primaryKey.Select(k => $"{SqlNames.Quote(k)} = ?{names.IndexOf(k) + 1}"))}"
            : null;
        using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var counts = Write(rows, insertSql, updateSql, cancellationToken);
            transaction.Commit();
            return counts;
        }
        catch
        {
            transaction.Rollback();
            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);

    /// <summary>
    /// The rows through statements prepared once and bound by position straight from the cells (text
    /// as UTF-8 bytes) with SQLitePCLRaw: Microsoft.Data.Sqlite's parameters box every value and
    /// resolve each name again at every execution.
    /// </summary>
    private (long Inserted, long Updated, long Ignored) Write(CellRows rows, string insertSql, string? updateSql, CancellationToken cancellationToken)
    {
        var db = _connection.Handle!;
        using var insert = Prepare(db, insertSql);
        using var update = updateSql is null ? null : Prepare(db, updateSql);
        long inserted = 0, updated = 0, ignored = 0;
        for (var r = 0; r < rows.Count; r++)
        {
            if ((r & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var row = rows[r];
            if (Execute(db, insert, row) > 0)
            {
                inserted++;
            }
            else if (update is not null)
            {
                Execute(db, update, row);
                updated++;
            }
            else
            {
                ignored++;
            }
        }

        return (inserted, updated, ignored);
    }

    private static sqlite3_stmt Prepare(sqlite3 db, string sql)
    {
        var rc = raw.sqlite3_prepare_v2(db, sql, out var statement);
        SqliteException.ThrowExceptionForRC(rc, db);
        return statement;
    }

    /// <summary>Binds the row, runs the statement and returns how many rows it changed.</summary>
    private static int Execute(sqlite3 db, sqlite3_stmt statement, ReadOnlySpan<Cell> row)
    {
        for (var i = 0; i < row.Length; i++)
        {
            var cell = row[i];
            var rc = cell.Kind switch
            {
                CellKind.Integer => raw.sqlite3_bind_int64(statement, i + 1, cell.Integer),
                CellKind.Real => raw.sqlite3_bind_double(statement, i + 1, cell.Real),
                CellKind.Boolean => raw.sqlite3_bind_int64(statement, i + 1, cell.Boolean ? 1 : 0),
                // An empty span is a null pointer, which SQLite binds as NULL; an empty string is not NULL.
                CellKind.Text or CellKind.Json when cell.Utf8.IsEmpty => raw.sqlite3_bind_text(statement, i + 1, string.Empty),
                CellKind.Text or CellKind.Json => raw.sqlite3_bind_text(statement, i + 1, cell.Utf8),
                _ => raw.sqlite3_bind_null(statement, i + 1),
            };
            SqliteException.ThrowExceptionForRC(rc, db);
        }

        try
        {
            var step = raw.sqlite3_step(statement);
            if (step != raw.SQLITE_DONE)
            {
                // Before the reset, while the message is this step's.
                SqliteException.ThrowExceptionForRC(step, db);
            }

            return raw.sqlite3_changes(db);
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Declared(ColumnType type) => type switch
    {
        ColumnType.Integer => "INTEGER",
        ColumnType.Real => "REAL",
        ColumnType.Boolean => "BOOLEAN",
        ColumnType.Json => "JSON",
        _ => "TEXT",
    };

    private static ColumnType FromDeclared(string declared) => declared.ToUpperInvariant() switch
    {
        "INTEGER" or "INT" or "BIGINT" => ColumnType.Integer,
        "REAL" or "DOUBLE" or "FLOAT" or "NUMERIC" => ColumnType.Real,
        "BOOLEAN" or "BOOL" => ColumnType.Boolean,
        "JSON" => ColumnType.Json,
        _ => ColumnType.Text,
    };
}
