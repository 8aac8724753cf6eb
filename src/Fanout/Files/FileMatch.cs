namespace Fanout.Files;

/// <summary>A line that matched <see cref="FileReadOptions.Grep"/>.</summary>
/// <param name="LineNumber">From 1.</param>
/// <param name="Text">The line, without its line ending.</param>
public sealed record FileMatch(long LineNumber, string Text);
