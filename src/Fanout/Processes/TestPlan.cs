using Fanout.Engine;

namespace Fanout.Processes;

/// <summary>Which tests a run takes and in what order, from past durations.</summary>
public static class TestPlan
{
    /// <summary>Longest known first; tests never seen come before all known ones (they may be long); ties keep input order.</summary>
    /// <param name="items">The tests.</param>
    /// <param name="durations">Past durations.</param>
    /// <returns>The tests in start order.</returns>
    public static IReadOnlyList<CommandItem> LongestFirst(IReadOnlyList<CommandItem> items, DurationStore durations)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(durations);
        return [.. items.OrderByDescending(i => durations.Entries.TryGetValue(i.Name, out var e) ? e.DurationMs : double.PositiveInfinity)];
    }

    /// <summary>
    /// The tests of one shard. With durations known, tests are dealt longest first to the shard with
    /// the least total time so far (unknown tests count as the mean), so shards finish together;
    /// without any, by the stable key hash. Every machine computes the same split from the same file.
    /// </summary>
    /// <param name="items">All tests, in input order.</param>
    /// <param name="shard">The shard to keep.</param>
    /// <param name="durations">Past durations.</param>
    /// <returns>The shard's tests, in input order.</returns>
    public static IReadOnlyList<CommandItem> ForShard(IReadOnlyList<CommandItem> items, Shard shard, DurationStore durations)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(durations);
        var known = items.Where(i => durations.Entries.ContainsKey(i.Name)).Select(i => durations.Entries[i.Name].DurationMs).ToList();
        if (known.Count == 0)
        {
            return [.. items.Where(i => shard.Contains(i.Name))];
        }

        var mean = known.Average();
        var totals = new double[shard.Count];
        var mine = new HashSet<CommandItem>(ReferenceEqualityComparer.Instance);
        foreach (var item in items
            .Select(i => (Item: i, Ms: durations.Entries.TryGetValue(i.Name, out var e) ? e.DurationMs : mean))
            .OrderByDescending(p => p.Ms)
            .ThenBy(p => p.Item.Name, StringComparer.Ordinal))
        {
            var target = Array.IndexOf(totals, totals.Min());
            totals[target] += item.Ms;
            if (target == shard.Number - 1)
            {
                mine.Add(item.Item);
            }
        }

        return [.. items.Where(mine.Contains)];
    }
}
