using Fanout.Database.Parsing;

namespace Fanout.Database;

/// <summary>
/// One open transaction of an <see cref="IInsertSink"/>: rows go in with <see cref="WriteAsync"/>, as many times as
/// the caller likes, and become visible together at <see cref="CommitAsync"/>. Disposing it uncommitted rolls it back.
/// </summary>
internal interface IInsertTransaction : IAsyncDisposable
{
    /// <summary>
    /// Adds rows. A bad row (a constraint) may throw here (SQLite checks each row as it goes) or only at
    /// <see cref="CommitAsync"/> (PostgreSQL reports a COPY's errors at its end); either way the transaction is lost.
    /// </summary>
    /// <param name="rows">Values in column order, converted to the column types; read before this returns.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task for the write.</returns>
    ValueTask WriteAsync(CellRows rows, CancellationToken cancellationToken);

    /// <summary>Commits every row written. Throws when any row failed, leaving the table as it was.</summary>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>Rows inserted, updated and ignored.</returns>
    Task<(long Inserted, long Updated, long Ignored)> CommitAsync(CancellationToken cancellationToken);
}
