namespace Fanout.Cli.Console;

/// <summary>A job-specific block of the summary, such as counts by HTTP status.</summary>
/// <param name="Title">Shown above the rows.</param>
/// <param name="JsonName">The key of this section in the <c>--stats</c> JSON.</param>
/// <param name="Rows">Label and count per row.</param>
/// <param name="Omitted">Rows left out of the list (shown as "and N more").</param>
/// <param name="ShowCounts">Print the counts beside the labels (a list of failures reads better without).</param>
internal sealed record SummarySection(string Title, string JsonName, IReadOnlyList<KeyValuePair<string, long>> Rows, int Omitted = 0, bool ShowCounts = true)
{
    /// <summary>Only in the <c>--stats</c> JSON: the text summary says it another way.</summary>
    public bool Hidden { get; init; }
}
