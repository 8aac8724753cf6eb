using Fanout.Database.Parsing;

namespace Fanout.Database;

/// <summary>
/// One open transaction of an <see cref="IInsertSink"/>: rows go in with <see cref="WriteAsync"/>, as many times as
/// the caller likes, and become visible together at <see cref="CommitAsync"/>. Disposing it uncommitted rolls it back.
/// </summary>
internal interface IInsertTransaction : IAsyncDisposable
{
    /// <summary>
    /// Adds rows. A row the database refuses on its own (SQLite checks each as it goes) is reported to
    /// <paramref name="rejected"/> (its index in <paramref name="rows"/>) and left out; otherwise a bad row may throw here
    /// or only at <see cref="CommitAsync"/> (PostgreSQL reports a COPY's errors at its end), and the transaction is lost.
    /// </summary>
    /// <param name="rows">Values in column order, converted to the column types; read before this returns.</param>
    /// <param name="rejected">Receives each row refused on its own.</param>
    /// <param name="stopAfterRejection">Asked after each refused row: <see langword="true"/> writes no more rows (a limit of rejects was reached).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>How many of the rows were written or refused (all of them, unless <paramref name="stopAfterRejection"/> stopped it).</returns>
    ValueTask<int> WriteAsync(CellRows rows, Action<RowRejection> rejected, Func<bool>? stopAfterRejection, CancellationToken cancellationToken);

    /// <summary>Commits every row written. Throws when the transaction failed, leaving the table as it was.</summary>
    /// <param name="rejected">Receives the rows found refused at the commit (their place among all rows written), left out.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>Rows inserted, updated and ignored.</returns>
    Task<(long Inserted, long Updated, long Ignored)> CommitAsync(Action<RowRejection> rejected, CancellationToken cancellationToken);
}
