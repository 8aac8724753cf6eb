namespace Fanout.Database;

/// <summary>A record that could not be stored, and why.</summary>
/// <param name="Location">The <c>file:line</c> of the record.</param>
/// <param name="Text">The record as it was in the input.</param>
/// <param name="Reason">Why it was rejected, in full.</param>
public sealed record RejectedRow(string Location, string Text, string Reason)
{
    /// <summary>Kind of a record that is not a record: invalid JSON or CSV, not UTF-8, a number out of range.</summary>
    public const string InvalidKind = "invalid record";

    /// <summary>Kind of a record whose key the table already holds (or another record of the input has).</summary>
    public const string DuplicateKeyKind = "duplicate key";

    /// <summary>Kind of a record the database refused for another reason (a NOT NULL or CHECK constraint, say).</summary>
    public const string RefusedKind = "refused by the database";

    /// <summary>
    /// What kind of problem it is, for counting rejects by reason: one of the kinds above, or <c>new field "name"</c>,
    /// <c>wrong type in field "name"</c>.
    /// </summary>
    public string Kind { get; init; } = RefusedKind;
}
