using Npgsql;

namespace Fanout.Database;

/// <summary>
/// PostgreSQL through COPY (text format, encoded from the cells), the fastest way in. Plain inserts COPY straight into the table;
/// upserts and ignores COPY into a temporary staging table and then <c>INSERT ... ON CONFLICT</c>.
/// Each batch is one transaction. One sink is one connection; a load opens several for parallel COPY.
/// </summary>
public sealed class PostgresSink : IInsertSink
{
    private readonly NpgsqlConnection _connection;

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
        await using var command = new NpgsqlCommand("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position", _connection);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        var columns = new List<KeyValuePair<string, ColumnType>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            columns.Add(new(reader.GetString(0), reader.GetString(1) switch
            {
                "bigint" or "integer" or "smallint" => ColumnType.Integer,
                "double precision" or "real" or "numeric" => ColumnType.Real,
                "boolean" => ColumnType.Boolean,
                "jsonb" or "json" => ColumnType.Json,
                _ => ColumnType.Text,
            }));
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
        ExecuteAsync($"ALTER TABLE {SqlNames.Quote(table)} ADD COLUMN IF NOT EXISTS {SqlNames.Quote(name)} {Declared(type)}", cancellationToken);

    /// <inheritdoc/>
    public async Task<(long Inserted, long Updated, long Ignored)> WriteAsync(string table, TableSchema schema, CellRows rows, InsertMode mode, IReadOnlyList<string> primaryKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(primaryKey);
        var columnList = string.Join(", ", schema.Columns.Select(c => SqlNames.Quote(c.Key)));
        await using var transaction = await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (mode == InsertMode.Insert)
        {
            await CopyAsync($"COPY {SqlNames.Quote(table)} ({columnList}) FROM STDIN", rows, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (rows.Count, 0, 0);
        }

        await ExecuteAsync($"CREATE TEMP TABLE fanout_staging (LIKE {SqlNames.Quote(table)} INCLUDING DEFAULTS) ON COMMIT DROP", cancellationToken).ConfigureAwait(false);
        // The staging table has no constraints: a NOT NULL or type problem surfaces in the INSERT below instead.
        await CopyAsync($"COPY fanout_staging ({columnList}) FROM STDIN", rows, cancellationToken).ConfigureAwait(false);
        var target = primaryKey.Count == 0 ? string.Empty : $"({string.Join(", ", primaryKey.Select(SqlNames.Quote))})";
        var updatable = schema.Columns.Select(c => c.Key).Where(c => !primaryKey.Contains(c)).ToList();
        var action = mode == InsertMode.Upsert && updatable.Count > 0
            ? $"DO UPDATE SET {string.Join(", ", updatable.Select(c => $"{SqlNames.Quote(c)} = EXCLUDED.{SqlNames.Quote(c)}"))}"
            : "DO NOTHING";
        long inserted = 0, updated = 0;
        await using (var command = new NpgsqlCommand($"INSERT INTO {SqlNames.Quote(table)} ({columnList}) SELECT {columnList} FROM fanout_staging ON CONFLICT {target} {action} RETURNING (xmax = 0)", _connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
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

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (inserted, updated, rows.Count - inserted - updated);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);

    private async Task CopyAsync(string copy, CellRows rows, CancellationToken cancellationToken)
    {
        // Npgsql's text import is a StreamWriter over the raw COPY stream: the encoder writes UTF-8 to
        // that stream directly, with no string per value (the binary importer cost more per value than
        // the server spent storing it). Disposing the writer completes the COPY; Cancel abandons it.
        var writer = (NpgsqlCopyTextWriter)await _connection.BeginTextImportAsync(copy, cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            try
            {
                using var encoder = new CopyTextEncoder(writer.BaseStream);
                encoder.Write(rows, cancellationToken);
                encoder.Flush();
            }
            catch
            {
                await writer.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

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
