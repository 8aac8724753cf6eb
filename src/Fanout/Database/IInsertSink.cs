using Fanout.Database.Parsing;

namespace Fanout.Database;

/// <summary>A database the <see cref="Inserter"/> writes to: SQLite or PostgreSQL.</summary>
internal interface IInsertSink : IAsyncDisposable
{
    /// <summary>The table's columns, or <see langword="null"/> when it does not exist.</summary>
    /// <param name="table">The table.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The columns in order.</returns>
    Task<TableSchema?> ReadSchemaAsync(string table, CancellationToken cancellationToken);

    /// <summary>Creates the table.</summary>
    /// <param name="table">The table.</param>
    /// <param name="schema">Its columns.</param>
    /// <param name="primaryKey">Its primary key columns (may be empty).</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>A task for the statement.</returns>
    Task CreateTableAsync(string table, TableSchema schema, IReadOnlyList<string> primaryKey, CancellationToken cancellationToken);

    /// <summary>Adds a column (<c>--alter</c>).</summary>
    /// <param name="table">The table.</param>
    /// <param name="name">The column.</param>
    /// <param name="type">Its type.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>A task for the statement.</returns>
    Task AddColumnAsync(string table, string name, ColumnType type, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a transaction that rows are streamed into, batch after batch, until <see cref="IInsertTransaction.CommitAsync"/>.
    /// Nothing is visible before the commit; a bad row anywhere loses the whole transaction (the caller then writes its
    /// batches again in smaller transactions to find the bad rows).
    /// </summary>
    /// <param name="table">The table.</param>
    /// <param name="schema">The columns the values are in.</param>
    /// <param name="mode">What to do with existing keys.</param>
    /// <param name="primaryKey">The key columns, for upserts and ignores.</param>
    /// <param name="cancellationToken">Cancels the statements that start it.</param>
    /// <returns>The open transaction; disposing it without a commit rolls it back.</returns>
    Task<IInsertTransaction> BeginAsync(string table, TableSchema schema, InsertMode mode, IReadOnlyList<string> primaryKey, CancellationToken cancellationToken);
}
