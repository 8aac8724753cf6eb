namespace Fanout.Records;

/// <summary>One non-blank, non-comment line of input, with where it came from.</summary>
/// <param name="Source">The file name as given, or <c>-</c> for standard input.</param>
/// <param name="LineNumber">The line number in that source, from 1.</param>
/// <param name="Text">The line without its line ending.</param>
public readonly record struct InputLine(string Source, long LineNumber, string Text)
{
    /// <summary>The <c>file:line</c> form used in error messages.</summary>
    public string Location => $"{Source}:{LineNumber}";
}
