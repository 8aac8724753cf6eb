namespace Fanout.Cli.Console;

/// <summary>Rejected records counted by kind, with the first reason of each kind as its example. Thread-safe.</summary>
internal sealed class RejectReasons
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Count, string Example)> _kinds = new(StringComparer.Ordinal);

    public void Add(string kind, string reason)
    {
        lock (_gate)
        {
            _kinds[kind] = _kinds.TryGetValue(kind, out var known) ? (known.Count + 1, known.Example) : (1, reason);
        }
    }

    public long Count(string kind)
    {
        lock (_gate)
        {
            return _kinds.GetValueOrDefault(kind).Count;
        }
    }

    /// <summary>The most frequent kinds: kind, count and an example reason each.</summary>
    public IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> Top(int count)
    {
        lock (_gate)
        {
            return [.. _kinds.OrderByDescending(k => k.Value.Count).ThenBy(k => k.Key, StringComparer.Ordinal).Take(count)
                .Select(k => (IReadOnlyList<KeyValuePair<string, string>>)[new("kind", k.Key), new("count", k.Value.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("example", k.Value.Example)])];
        }
    }
}
