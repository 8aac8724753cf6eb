using Fanout.Engine;

namespace Fanout.Processes;

/// <summary>Which tests a run takes and in what order, from past durations.</summary>
public static class TestPlan
{
    /// <summary>
    /// The tests a run takes, in the order they start: those of <paramref name="shard"/> (balanced by past durations,
    /// see <see cref="ForShard"/>), only those that failed last time when asked, in <see cref="StartOrder"/>.
    /// </summary>
    /// <param name="items">All tests, in input order.</param>
    /// <param name="durations">Past durations and outcomes.</param>
    /// <param name="shard">The shard to keep, or <see langword="null"/> for all.</param>
    /// <param name="workers">How many tests run at once.</param>
    /// <param name="onlyFailed">Keep only the tests that failed, timed out or could not run last time.</param>
    /// <returns>The tests in start order.</returns>
    public static IReadOnlyList<CommandItem> Plan(IReadOnlyList<CommandItem> items, DurationStore durations, Shard? shard, int workers, bool onlyFailed)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(durations);
        IReadOnlyList<CommandItem> kept = onlyFailed ? [.. items.Where(i => durations.FailedLastTime(i.Name))] : items;
        return StartOrder(shard is null ? kept : ForShard(kept, shard, durations), durations, workers);
    }

    /// <summary>
    /// The order tests start in, for <paramref name="workers"/> running at once. Tests never seen come first (they
    /// may be long), in input order. Known tests are split into one lane per worker with totals as even as
    /// <see cref="Balance"/> can make them, each lane longest first, and start in order of their planned start time:
    /// workers taking the next test as they free up then replay the plan, and a test that runs longer or shorter than
    /// last time only shifts who takes what next. Plain longest-first (what this gives with one worker) can leave one
    /// worker a test behind the others: tests of 3, 3, 2, 2, 2 s on two workers end at 7 s, the even lanes at 6 s.
    /// </summary>
    /// <param name="items">The tests.</param>
    /// <param name="durations">Past durations.</param>
    /// <param name="workers">How many tests run at once.</param>
    /// <returns>The tests in start order.</returns>
    public static IReadOnlyList<CommandItem> StartOrder(IReadOnlyList<CommandItem> items, DurationStore durations, int workers)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(durations);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var unknown = items.Where(i => !durations.Entries.ContainsKey(i.Name));
        var known = items.Where(i => durations.Entries.ContainsKey(i.Name)).ToList();
        var ms = known.Select(i => durations.Entries[i.Name].DurationMs).ToList();
        var lanes = Balance(ms, workers);
        var laneTime = new double[workers];
        var start = new double[known.Count];
        foreach (var index in LongestFirst(ms))
        {
            start[index] = laneTime[lanes[index]];
            laneTime[lanes[index]] += ms[index];
        }

        return [.. unknown, .. Enumerable.Range(0, known.Count).OrderBy(i => start[i]).ThenByDescending(i => ms[i]).ThenBy(i => i).Select(i => known[i])];
    }

    /// <summary>
    /// Splits weighted items into <paramref name="bins"/> with the heaviest bin as light as it can be found:
    /// heaviest item first into the lightest bin, then, while it helps, the move or swap of items between the
    /// heaviest bin and another that brings the two closest to even. Deterministic: the same weights in the same
    /// order give the same split on every machine. The search is bounded, so large inputs keep the first split.
    /// </summary>
    /// <param name="weights">Each item's weight (a duration).</param>
    /// <param name="bins">How many bins.</param>
    /// <returns>Each item's bin, from 0.</returns>
    internal static int[] Balance(IReadOnlyList<double> weights, int bins)
    {
        const long ComparisonBudget = 4_000_000;
        var bin = new int[weights.Count];
        var load = new double[bins];
        foreach (var index in LongestFirst(weights))
        {
            var lightest = Array.IndexOf(load, load.Min());
            bin[index] = lightest;
            load[lightest] += weights[index];
        }

        var budget = ComparisonBudget;
        while (budget > 0)
        {
            var heavy = Array.IndexOf(load, load.Max());
            var members = Enumerable.Range(0, bins).Select(_ => new List<int>()).ToArray();
            for (var i = 0; i < bin.Length; i++)
            {
                members[bin[i]].Add(i);
            }

            // The best change found: item a leaves the heavy bin for bin `to`, item b (if any, else -1) comes back.
            var (peak, a, b, to) = (load[heavy], -1, -1, -1);
            for (var other = 0; other < bins && budget > 0; other++)
            {
                if (other == heavy)
                {
                    continue;
                }

                foreach (var x in members[heavy])
                {
                    budget -= members[other].Count + 1;
                    Consider(x, -1, weights[x], other);
                    foreach (var y in members[other])
                    {
                        Consider(x, y, weights[x] - weights[y], other);
                    }
                }
            }

            if (a < 0)
            {
                break;
            }

            bin[a] = to;
            load[heavy] -= weights[a];
            load[to] += weights[a];
            if (b >= 0)
            {
                bin[b] = heavy;
                load[to] -= weights[b];
                load[heavy] += weights[b];
            }

            void Consider(int x, int y, double moved, int other)
            {
                var newPeak = Math.Max(load[heavy] - moved, load[other] + moved);
                if (moved > 0 && newPeak < peak - 1e-9)
                {
                    (peak, a, b, to) = (newPeak, x, y, other);
                }
            }
        }

        return bin;
    }

    private static IEnumerable<int> LongestFirst(IReadOnlyList<double> weights) =>
        Enumerable.Range(0, weights.Count).OrderByDescending(i => weights[i]).ThenBy(i => i);

    /// <summary>
    /// The tests of one shard. With durations known, shards get totals as even as <see cref="Balance"/> can make
    /// them (unknown tests count as the mean), so shards finish together;
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
        var dealt = items
            .Select(i => (Item: i, Ms: durations.Entries.TryGetValue(i.Name, out var e) ? e.DurationMs : mean))
            .OrderByDescending(p => p.Ms)
            .ThenBy(p => p.Item.Name, StringComparer.Ordinal)
            .ToList();
        var bins = Balance([.. dealt.Select(p => p.Ms)], shard.Count);
        var mine = new HashSet<CommandItem>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < dealt.Count; i++)
        {
            if (bins[i] == shard.Number - 1)
            {
                mine.Add(dealt[i].Item);
            }
        }

        return [.. items.Where(mine.Contains)];
    }
}
