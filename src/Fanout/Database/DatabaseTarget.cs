using System.Text.RegularExpressions;
using Fanout.Database.Postgres;
using Fanout.Database.Sqlite;

namespace Fanout.Database;

/// <summary>The database a load writes to, from <see cref="InsertOptions.Database"/>: a SQLite file or a PostgreSQL server.</summary>
internal sealed partial class DatabaseTarget
{
    private readonly string _connection;

    private DatabaseTarget(bool isPostgres, string connection, string display)
    {
        IsPostgres = isPostgres;
        _connection = connection;
        Display = display;
    }

    /// <summary>Whether it is PostgreSQL (else SQLite).</summary>
    public bool IsPostgres { get; }

    /// <summary>The database as the user named it, without a password: for messages.</summary>
    public string Display { get; }

    /// <summary>Writers by default: SQLite has one; PostgreSQL one per core up to a few, half the cores when the server shares them.</summary>
    public int DefaultWriters => !IsPostgres ? 1
        : PostgresSink.IsLocal(_connection) ? Math.Max(1, Environment.ProcessorCount / 2)
        : Math.Min(InsertOptions.MostDefaultPostgresWriters, Environment.ProcessorCount);

    /// <summary>Reads <see cref="InsertOptions.Database"/>.</summary>
    /// <param name="database">A SQLite path (or <c>sqlite:PATH</c>), or a <c>postgres://</c> URL.</param>
    /// <returns>The target.</returns>
    /// <exception cref="FormatException">A URL of a kind fanout cannot load into, or a malformed PostgreSQL URL.</exception>
    public static DatabaseTarget Parse(string database)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        var scheme = Scheme().Match(database);
        if (scheme.Success && scheme.Groups[2].Success)
        {
            return scheme.Groups[1].Value.ToLowerInvariant() is "postgres" or "postgresql"
                ? new DatabaseTarget(true, PostgresSink.ConnectionString(database), Redacted(database))
                : scheme.Groups[1].Value.ToLowerInvariant() is "sqlite" or "file"
                    ? SqliteFile(database, database[scheme.Length..])
                    : throw new FormatException($"'{Redacted(database)}' is not a database fanout can load into: give a SQLite file path (or sqlite:PATH) or postgres://user@host:port/database");
        }

        return scheme.Success && scheme.Groups[1].Value.ToLowerInvariant() is "sqlite" or "file"
            ? SqliteFile(database, database[scheme.Length..])
            : new DatabaseTarget(false, database, database);
    }

    private static DatabaseTarget SqliteFile(string database, string path) =>
        path.Length > 0 ? new DatabaseTarget(false, path, path) : throw new FormatException($"'{database}' names no file");

    /// <summary>Opens a connection.</summary>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The sink.</returns>
    public async Task<IInsertSink> OpenAsync(CancellationToken cancellationToken) => IsPostgres
        ? await PostgresSink.OpenAsync(_connection, cancellationToken).ConfigureAwait(false)
        : await SqliteSink.OpenAsync(_connection, cancellationToken).ConfigureAwait(false);

    /// <summary>The table's columns, read without writing anything (a SQLite file that is not there stays so); null when there is no such table.</summary>
    /// <param name="table">The table.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The columns.</returns>
    public async Task<TableSchema?> ReadSchemaOnlyAsync(string table, CancellationToken cancellationToken)
    {
        if (!IsPostgres)
        {
            return await SqliteSink.ReadSchemaOnlyAsync(_connection, table, cancellationToken).ConfigureAwait(false);
        }

        await using var sink = await PostgresSink.OpenAsync(_connection, cancellationToken).ConfigureAwait(false);
        return await sink.ReadSchemaAsync(table, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The statement that creates the table, in this database's words.</summary>
    /// <param name="table">The table.</param>
    /// <param name="schema">Its columns.</param>
    /// <param name="primaryKey">Its key.</param>
    /// <returns>The SQL.</returns>
    public string CreateTableSql(string table, TableSchema schema, IReadOnlyList<string> primaryKey) =>
        IsPostgres ? PostgresSink.CreateTableSql(table, schema, primaryKey) : SqliteSink.CreateTableSql(table, schema, primaryKey);

    /// <summary>The statement that adds a column, in this database's words.</summary>
    /// <param name="table">The table.</param>
    /// <param name="name">The column.</param>
    /// <param name="type">Its type.</param>
    /// <returns>The SQL.</returns>
    public string AddColumnSql(string table, string name, ColumnType type) =>
        IsPostgres ? PostgresSink.AddColumnSql(table, name, type) : SqliteSink.AddColumnSql(table, name, type);

    /// <summary>The URL without a password.</summary>
    private static string Redacted(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Contains(':', StringComparison.Ordinal)
            ? url.Replace(uri.UserInfo, uri.UserInfo.Split(':')[0] + ":***", StringComparison.Ordinal)
            : url;

    // A URL's scheme (with //), or sqlite: or file: before a path. A path may hold a colon: without // only those two count.
    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9+.-]+):(//)?")]
    private static partial Regex Scheme();
}
