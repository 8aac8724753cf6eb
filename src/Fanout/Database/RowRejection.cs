namespace Fanout.Database;

/// <summary>A row a transaction refused on its own, leaving the others.</summary>
/// <param name="Row">The row's place: in the rows of the write, or among all rows written (at the commit).</param>
/// <param name="Kind">What kind of refusal (see <see cref="RejectedRow.Kind"/>).</param>
/// <param name="Reason">The database's words for it.</param>
internal readonly record struct RowRejection(int Row, string Kind, string Reason);
