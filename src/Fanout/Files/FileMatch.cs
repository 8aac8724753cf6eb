namespace Fanout.Files;

/// <summary>A line that matched <see cref="FileReadOptions.Grep"/>.</summary>
/// <param name="LineNumber">From 1.</param>
/// <param name="Text">The line, without its line ending.</param>
public sealed record FileMatch(long LineNumber, string Text)
{
    /// <summary>With <see cref="FileReadOptions.ContextBefore"/>: up to that many lines before this one (fewer at the file's start).</summary>
    public IReadOnlyList<string>? Before { get; init; }

    /// <summary>With <see cref="FileReadOptions.ContextAfter"/>: up to that many lines after this one (fewer at the file's end).</summary>
    public IReadOnlyList<string>? After { get; init; }
}
