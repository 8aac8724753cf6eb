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
    /// Starts a transaction that rows are streamed into, chunk after chunk, until <see cref="IInsertTransaction.CommitAsync"/>.
    /// Nothing is visible before the commit. A row the database refuses is either rejected on its own (SQLite checks each
    /// row as it goes; <paramref name="rejectKeyConflicts"/> makes PostgreSQL find rows whose key is taken before it
    /// inserts) or loses the whole transaction (the caller then writes its chunks again in smaller transactions to find
    /// the bad rows).
    /// </summary>
    /// <param name="table">The table.</param>
    /// <param name="schema">The columns the values are in.</param>
    /// <param name="mode">What to do with existing keys.</param>
    /// <param name="primaryKey">The key columns, for upserts and ignores.</param>
    /// <param name="rejectKeyConflicts">Reject the rows whose primary key the table (or an earlier row) has, instead of failing the transaction; for a rewrite of rows that failed together.</param>
    /// <param name="cancellationToken">Cancels the statements that start it.</param>
    /// <returns>The open transaction; disposing it without a commit rolls it back.</returns>
    Task<IInsertTransaction> BeginAsync(string table, TableSchema schema, InsertMode mode, IReadOnlyList<string> primaryKey, bool rejectKeyConflicts, CancellationToken cancellationToken);

    /// <summary>Whether a failure is of the connection or the moment (lost connection, deadlock, busy database), not of the rows: worth a new connection and another try.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>Whether it is transient.</returns>
    bool IsTransient(System.Data.Common.DbException exception);

    /// <summary>A row's refusal in the user's terms: its kind (see <see cref="RejectedRow.Kind"/>: a duplicate key, or refused) and the database's words, without driver boilerplate.</summary>
    /// <param name="exception">The database's error for the row.</param>
    /// <returns>The kind and the reason.</returns>
    (string Kind, string Reason) Refusal(System.Data.Common.DbException exception);
}
