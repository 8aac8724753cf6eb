namespace Fanout.Database;

/// <summary>One parsed record: its fields in order, and where it came from.</summary>
/// <param name="Location">The <c>file:line</c> of the record.</param>
/// <param name="Text">The record as it was in the input, for the rejects file.</param>
/// <param name="Fields">Field names and values: <see cref="long"/>, <see cref="double"/>, <see cref="bool"/>, <see cref="string"/>, <see cref="JsonText"/> or <see langword="null"/>.</param>
public sealed record InsertRow(string Location, string Text, IReadOnlyList<KeyValuePair<string, object?>> Fields);
