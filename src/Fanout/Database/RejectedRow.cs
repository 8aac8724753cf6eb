namespace Fanout.Database;

/// <summary>A record that could not be stored, and why.</summary>
/// <param name="Location">The <c>file:line</c> of the record.</param>
/// <param name="Text">The record as it was in the input.</param>
/// <param name="Reason">Why it was rejected.</param>
public sealed record RejectedRow(string Location, string Text, string Reason);
