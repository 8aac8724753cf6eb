namespace Fanout.Cli.Console;

/// <summary>Counts by label (status codes, error messages) for a summary section. Used from one thread.</summary>
internal sealed class Tally
{
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    public void Add(string label) => _counts[label] = _counts.GetValueOrDefault(label) + 1;

    public IReadOnlyList<KeyValuePair<string, long>> Top(int count, bool byLabel = false) =>
        byLabel
            ? [.. _counts.OrderBy(p => p.Key, StringComparer.Ordinal).Take(count)]
            : [.. _counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(count)];

    public int Distinct => _counts.Count;
}
