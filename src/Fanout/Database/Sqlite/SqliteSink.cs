using System.Data.Common;
using Fanout.Database.Parsing;
using Microsoft.Data.Sqlite;

namespace Fanout.Database.Sqlite;

/// <summary>
/// SQLite through one writer connection (SQLite has one writer: more connections only queue on its
/// lock, or fail with "database is locked"), WAL journal, batched transactions and one prepared
/// statement reused for every row.
/// </summary>
internal sealed class SqliteSink : IInsertSink
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
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
        var (schema, name) = SqlNames.Split(table);
        command.CommandText = "SELECT name, type FROM pragma_table_info($table, $schema) ORDER BY cid";
        command.Parameters.AddWithValue("$table", name);
        command.Parameters.AddWithValue("$schema", schema ?? "main");
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
        await ExecuteAsync(CreateTableSql(table, schema, primaryKey), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task AddColumnAsync(string table, string name, ColumnType type, CancellationToken cancellationToken) =>
        ExecuteAsync(AddColumnSql(table, name, type), cancellationToken);

    /// <summary>The statement that creates the table.</summary>
    /// <param name="table">The table.</param>
    /// <param name="schema">Its columns.</param>
    /// <param name="primaryKey">Its key (may be empty).</param>
    /// <returns>The SQL.</returns>
    internal static string CreateTableSql(string table, TableSchema schema, IReadOnlyList<string> primaryKey) => SqlNames.CreateTable(table, schema, primaryKey, Declared);

    /// <summary>The statement that adds a column.</summary>
    /// <param name="table">The table.</param>
    /// <param name="name">The column.</param>
    /// <param name="type">Its type.</param>
    /// <returns>The SQL.</returns>
    internal static string AddColumnSql(string table, string name, ColumnType type) => $"ALTER TABLE {SqlNames.Table(table)} ADD COLUMN {SqlNames.Quote(name)} {Declared(type)}";

    /// <summary>The table's columns without writing anything (no journal mode set, no file made): <see langword="null"/> when the file or the table is not there.</summary>
    /// <param name="path">The database file.</param>
    /// <param name="table">The table.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The columns.</returns>
    internal static async Task<TableSchema?> ReadSchemaOnlyAsync(string path, string table, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var sink = new SqliteSink(connection);
        return await sink.ReadSchemaAsync(table, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<IInsertTransaction> BeginAsync(string table, TableSchema schema, InsertMode mode, IReadOnlyList<string> primaryKey, bool rejectKeyConflicts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(primaryKey);
        return Task.FromResult<IInsertTransaction>(SqliteInsertTransaction.Begin(_connection, table, schema, mode, primaryKey));
    }

    /// <summary>A busy or locked database (another writer holds it past the busy timeout) is worth another try.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>Whether it is transient.</returns>
    public bool IsTransient(DbException exception) => exception is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked };

    /// <inheritdoc/>
    public (string Kind, string Reason) Refusal(DbException exception) =>
        (exception is SqliteException e ? SqliteInsertTransaction.RejectKind(e.SqliteExtendedErrorCode) : RejectedRow.RefusedKind, Engine.WorkError.Flatten(exception.Message));

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);

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
