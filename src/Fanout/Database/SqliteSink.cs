using System.Data.Common;
using Microsoft.Data.Sqlite;

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
    public async Task<(long Inserted, long Updated, long Ignored)> WriteAsync(string table, TableSchema schema, IReadOnlyList<object?[]> rows, InsertMode mode, IReadOnlyList<string> primaryKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(primaryKey);
        var names = schema.Columns.Select(c => c.Key).ToList();
        using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // ON CONFLICT DO NOTHING covers key conflicts only; OR IGNORE would also hide NOT NULL and CHECK failures.
        using var insert = Prepare(transaction, $"INSERT INTO {SqlNames.Quote(table)} ({string.Join(", ", names.Select(SqlNames.Quote))}) VALUES ({string.Join(", ", names.Select((_, i) => "$p" + i))}){(mode == InsertMode.Insert ? string.Empty : " ON CONFLICT DO NOTHING")}", names.Count);
        var updatable = names.Where(n => !primaryKey.Contains(n)).ToList();
        using var update = mode == InsertMode.Upsert && updatable.Count > 0
            ? Prepare(transaction, $"UPDATE {SqlNames.Quote(table)} SET {string.Join(", ", updatable.Select(n => $"{SqlNames.Quote(n)} = $p{names.IndexOf(n)}"))} WHERE {string.Join(" AND ", primaryKey.Select(k => $"{SqlNames.Quote(k)} = $p{names.IndexOf(k)}"))}", names.Count)
            : null;
        long inserted = 0, updated = 0, ignored = 0;
        try
        {
            foreach (var row in rows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Bind(insert, row);
                if (insert.ExecuteNonQuery() > 0)
                {
                    inserted++;
                }
                else if (update is not null)
                {
                    Bind(update, row);
                    update.ExecuteNonQuery();
                    updated++;
                }
                else
                {
                    ignored++;
                }
            }

            transaction.Commit();
        }
        catch
        {
            transaction.Rollback();
            throw;
        }

        return (inserted, updated, ignored);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);

    private SqliteCommand Prepare(SqliteTransaction transaction, string sql, int parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (var i = 0; i < parameters; i++)
        {
            command.Parameters.Add(new SqliteParameter("$p" + i, null));
        }

        command.Prepare();
        return command;
    }

    private static void Bind(SqliteCommand command, object?[] row)
    {
        for (var i = 0; i < row.Length; i++)
        {
            command.Parameters[i].Value = row[i] switch
            {
                null => DBNull.Value,
                bool b => b ? 1L : 0L,
                JsonText j => j.Json,
                var v => v,
            };
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
