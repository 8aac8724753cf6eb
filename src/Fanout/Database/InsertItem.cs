using System.Globalization;

namespace Fanout.Database;

/// <summary>
/// Records of one source loaded together, the item of an insert's results: the input is loaded in chunks of up to
/// 10,000 records, and a chunk's result is out once its rows are committed.
/// </summary>
/// <param name="Source">The file the records came from (<c>-</c> for standard input).</param>
/// <param name="FirstLine">The line of the first record.</param>
/// <param name="LastLine">The line of the last record.</param>
public sealed record InsertItem(string Source, long FirstLine, long LastLine)
{
    /// <summary>How many records (stored and rejected).</summary>
    public int Records { get; init; }

    /// <summary>The lines, as <c>file:first-last</c>.</summary>
    public string Key => FirstLine == LastLine
        ? string.Create(CultureInfo.InvariantCulture, $"{Source}:{FirstLine}")
        : string.Create(CultureInfo.InvariantCulture, $"{Source}:{FirstLine}-{LastLine}");
}
