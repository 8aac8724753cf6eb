using Fanout.Database.Parsing;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Fanout.Database.Sqlite;

/// <summary>
/// A SQLite transaction with its INSERT (and, for upserts, UPDATE) prepared once and bound by position straight
/// from the cells (text as UTF-8 bytes) with SQLitePCLRaw: Microsoft.Data.Sqlite's parameters box every value and
/// resolve each name again at every execution. A row a constraint refuses is rejected as it is written.
/// </summary>
internal sealed class SqliteInsertTransaction : IInsertTransaction
{
    private const int ConstraintPrimaryKey = 1555;
    private const int ConstraintUnique = 2067;
    private readonly SqliteTransaction _transaction;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _insert;
    private readonly sqlite3_stmt? _update;
    private long _inserted;
    private long _updated;
    private long _ignored;

    private SqliteInsertTransaction(SqliteTransaction transaction, sqlite3 db, sqlite3_stmt insert, sqlite3_stmt? update)
    {
        _transaction = transaction;
        _db = db;
        _insert = insert;
        _update = update;
    }

    /// <summary>Starts the transaction and prepares its statements.</summary>
    /// <param name="connection">An open connection with no transaction.</param>
    /// <param name="table">The table.</param>
    /// <param name="schema">The columns the values are in.</param>
    /// <param name="mode">What to do with existing keys.</param>
    /// <param name="primaryKey">The key columns, for upserts.</param>
    /// <returns>The open transaction.</returns>
    public static SqliteInsertTransaction Begin(SqliteConnection connection, string table, TableSchema schema, InsertMode mode, IReadOnlyList<string> primaryKey)
    {
        var names = schema.Columns.Select(c => c.Key).ToList();
        // ON CONFLICT DO NOTHING covers key conflicts only; OR IGNORE would also hide NOT NULL and CHECK failures.
        var insertSql = $"INSERT INTO {SqlNames.Table(table)} ({string.Join(", ", names.Select(SqlNames.Quote))}) VALUES ({string.Join(", ", names.Select((_, i) => "?" + (i + 1)))}){(mode == InsertMode.Insert ? string.Empty : " ON CONFLICT DO NOTHING")}";
        var updatable = names.Where(n => !primaryKey.Contains(n)).ToList();
        var updateSql = mode == InsertMode.Upsert && updatable.Count > 0
            ? $"UPDATE {SqlNames.Table(table)} SET {string.Join(", ", updatable.Select(n => $"{SqlNames.Quote(n)} = ?{names.IndexOf(n) + 1}"))} WHERE {string.Join(" AND ", primaryKey.Select(k => $"{SqlNames.Quote(k)} = ?{names.IndexOf(k) + 1}"))}"
            : null;
        var transaction = connection.BeginTransaction();
        var db = connection.Handle!;
        sqlite3_stmt? insert = null;
        try
        {
            insert = Prepare(db, insertSql);
            return new SqliteInsertTransaction(transaction, db, insert, updateSql is null ? null : Prepare(db, updateSql));
        }
        catch
        {
            insert?.Dispose();
            transaction.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A row that breaks a constraint is rejected on its own: SQLite undoes that statement only and the transaction goes
    /// on, so a load of rows whose keys all exist costs one failed statement a row, not a transaction split in halves.
    /// </summary>
    /// <inheritdoc/>
    public ValueTask<int> WriteAsync(CellRows rows, Action<RowRejection> rejected, Func<bool>? stopAfterRejection, CancellationToken cancellationToken)
    {
        for (var r = 0; r < rows.Count; r++)
        {
            if ((r & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var row = rows[r];
            var changes = Execute(_insert, row);
            if (changes < 0)
            {
                rejected(new RowRejection(r, RejectKind(raw.sqlite3_extended_errcode(_db)), raw.sqlite3_errmsg(_db).utf8_to_string()));
                if (stopAfterRejection?.Invoke() == true)
                {
                    return ValueTask.FromResult(r + 1);
                }
            }
            else if (changes > 0)
            {
                _inserted++;
            }
            else if (_update is not null)
            {
                if (Execute(_update, row) < 0)
                {
                    rejected(new RowRejection(r, RejectKind(raw.sqlite3_extended_errcode(_db)), raw.sqlite3_errmsg(_db).utf8_to_string()));
                    if (stopAfterRejection?.Invoke() == true)
                    {
                        return ValueTask.FromResult(r + 1);
                    }

                    continue;
                }

                _updated++;
            }
            else
            {
                _ignored++;
            }
        }

        return ValueTask.FromResult(rows.Count);
    }

    /// <inheritdoc/>
    public Task<(long Inserted, long Updated, long Ignored)> CommitAsync(Action<RowRejection> rejected, CancellationToken cancellationToken)
    {
        _transaction.Commit();
        return Task.FromResult((_inserted, _updated, _ignored));
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _insert.Dispose();
        _update?.Dispose();

        // Rolls back unless committed.
        _transaction.Dispose();
        return ValueTask.CompletedTask;
    }

    private static sqlite3_stmt Prepare(sqlite3 db, string sql)
    {
        var rc = raw.sqlite3_prepare_v2(db, sql, out var statement);
        SqliteException.ThrowExceptionForRC(rc, db);
        return statement;
    }

    /// <summary>A constraint's extended code as a reject kind: a primary key or unique index is a duplicate key.</summary>
    internal static string RejectKind(int extendedCode) =>
        extendedCode is ConstraintPrimaryKey or ConstraintUnique ? RejectedRow.DuplicateKeyKind : RejectedRow.RefusedKind;

    /// <summary>Runs the statement on the row: the rows changed, or -1 when a constraint refused it.</summary>
    private int Execute(sqlite3_stmt statement, ReadOnlySpan<Cell> row)
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
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        try
        {
            var step = raw.sqlite3_step(statement);
            if (step == raw.SQLITE_CONSTRAINT)
            {
                // The row's own fault: the caller reads the message before the reset.
                return -1;
            }

            if (step != raw.SQLITE_DONE)
            {
                // Before the reset, while the message is this step's.
                SqliteException.ThrowExceptionForRC(step, _db);
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }
}
