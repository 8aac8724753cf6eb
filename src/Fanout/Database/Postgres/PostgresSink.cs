using Fanout.Database.Parsing;
using System.Data.Common;
using Npgsql;

namespace Fanout.Database.Postgres;

/// <summary>
/// PostgreSQL through COPY (binary, or text for tables with other column types; encoded from the cells), the fastest way in: each transaction streams its
/// rows through one COPY (see <see cref="PostgresInsertTransaction"/>). One sink is one connection; a load opens
/// several for parallel COPY.
/// </summary>
internal sealed class PostgresSink : IInsertSink
{
    private readonly NpgsqlConnection _connection;

    // Tables whose every column is of the type fanout declares for its kind: COPY sends them binary values.
    private readonly HashSet<string> _declaredTypes = new(StringComparer.Ordinal);

    private PostgresSink(NpgsqlConnection connection) => _connection = connection;

    /// <summary>
    /// Turns <c>postgres://user[:password]@host[:port]/database</c> into a connection string. Without a
    /// password in the URL, Npgsql reads <c>PGPASSWORD</c> or the <c>.pgpass</c> file.
    /// </summary>
    /// <param name="url">The URL.</param>
    /// <returns>The connection string.</returns>
    /// <exception cref="FormatException">Not a PostgreSQL URL.</exception>
    public static string ConnectionString(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "postgres" && uri.Scheme != "postgresql"))
        {
            throw new FormatException($"not a PostgreSQL URL (postgres://user@host:port/database)");
        }

        var user = Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')) is { Length: > 0 } database ? database : user,
            Username = user.Length > 0 ? user : Environment.UserName,
            // A load is a long write: no command timeout cutting a big COPY short.
            CommandTimeout = 0,
        };
        if (uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            builder.Password = Uri.UnescapeDataString(uri.UserInfo[(uri.UserInfo.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        }

        return builder.ToString();
    }

    /// <summary>Whether the connection string names a server on this machine (loopback or a Unix socket), which shares its cores.</summary>
    /// <param name="connectionString">From <see cref="ConnectionString"/>.</param>
    /// <returns>Whether the server is local.</returns>
    public static bool IsLocal(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString).Host is "localhost" or "127.0.0.1" or "::1" or "[::1]" or ['/', ..];

    /// <summary>Opens a connection.</summary>
    /// <param name="connectionString">From <see cref="ConnectionString"/>.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The sink.</returns>
    public static async Task<PostgresSink> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return new PostgresSink(connection);
    }

    /// <inheritdoc/>
    public async Task<TableSchema?> ReadSchemaAsync(string table, CancellationToken cancellationToken)
    {
        var (schema, name) = SqlNames.Split(table);
        await using var command = new NpgsqlCommand("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = coalesce($2, current_schema()) AND table_name = $1 ORDER BY ordinal_position", _connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = schema, DataTypeName = "text" });
        var columns = new List<KeyValuePair<string, ColumnType>>();
        var declaredOnly = true;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var dataType = reader.GetString(1);
            declaredOnly &= dataType is "bigint" or "double precision" or "boolean" or "text" or "jsonb";
            columns.Add(new(reader.GetString(0), dataType switch
            {
                "bigint" or "integer" or "smallint" => ColumnType.Integer,
                "double precision" or "real" or "numeric" => ColumnType.Real,
                "boolean" => ColumnType.Boolean,
                "jsonb" or "json" => ColumnType.Json,
                _ => ColumnType.Text,
            }));
        }

        if (columns.Count > 0 && declaredOnly)
        {
            _declaredTypes.Add(table);
        }

        return columns.Count == 0 ? null : new TableSchema(columns);
    }

    /// <inheritdoc/>
    public async Task CreateTableAsync(string table, TableSchema schema, IReadOnlyList<string> primaryKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(primaryKey);
        await ExecuteAsync(CreateTableSql(table, schema, primaryKey), cancellationToken).ConfigureAwait(false);

        // CREATE TABLE IF NOT EXISTS: another load may have made it first, with other types.
        await ReadSchemaAsync(table, cancellationToken).ConfigureAwait(false);
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
    internal static string AddColumnSql(string table, string name, ColumnType type) => $"ALTER TABLE {SqlNames.Table(table)} ADD COLUMN IF NOT EXISTS {SqlNames.Quote(name)} {Declared(type)}";

    /// <inheritdoc/>
    public async Task<IInsertTransaction> BeginAsync(string table, TableSchema schema, InsertMode mode, IReadOnlyList<string> primaryKey, bool rejectKeyConflicts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(primaryKey);
        var conflicts = rejectKeyConflicts && mode == InsertMode.Insert && primaryKey.Count > 0;
        return await PostgresInsertTransaction.BeginAsync(_connection, table, schema, mode, primaryKey, _declaredTypes.Contains(table), conflicts, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A lost or refused connection, a deadlock, a serialization failure, a server shutting down or out of connections:
    /// the rows are not at fault and another try on a new connection may succeed.
    /// </summary>
    /// <param name="exception">The failure.</param>
    /// <returns>Whether it is transient.</returns>
    public bool IsTransient(DbException exception) =>
        exception is PostgresException { SqlState: "40001" or "40P01" or "57P01" or "57P02" or "57P03" or "53300" } or NpgsqlException { IsTransient: true } and not PostgresException;

    /// <inheritdoc/>
    public (string Kind, string Reason) Refusal(DbException exception) => exception switch
    {
        // MessageText: Npgsql's Message adds a DETAIL line about details redacted from the connection string's view.
        PostgresException { SqlState: "23505" } e => (RejectedRow.DuplicateKeyKind, e.MessageText),
        PostgresException e => (RejectedRow.RefusedKind, e.MessageText),
        _ => (RejectedRow.RefusedKind, Engine.WorkError.Flatten(exception.Message)),
    };

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Declared(ColumnType type) => type switch
    {
        ColumnType.Integer => "BIGINT",
        ColumnType.Real => "DOUBLE PRECISION",
        ColumnType.Boolean => "BOOLEAN",
        ColumnType.Json => "JSONB",
        _ => "TEXT",
    };
}
