using Fanout.Engine;
using Fanout.Processes;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Processes;

public sealed class TestPlanTests
{
    private static DurationStore Store(params (string Name, double Ms)[] entries)
    {
        var store = DurationStore.Empty();
        foreach (var (name, ms) in entries)
        {
            store.Record(name, TimeSpan.FromMilliseconds(ms), "passed");
        }

        return store;
    }

    private static List<CommandItem> Items(int count) => [.. Enumerable.Range(1, count).Select(i => new CommandItem($"t{i}", $"sleep {i}"))];

    [Fact]
    public void LongestFirst_orders_by_past_duration_with_unknown_tests_first()
    {
        var plan = TestPlan.LongestFirst(Items(4), Store(("t1", 100), ("t2", 900), ("t4", 500)));

        Assert.Equal(["t3", "t2", "t4", "t1"], plan.Select(i => i.Name));
    }

    [Fact]
    public void ForShard_partitions_exactly_and_balances_known_durations()
    {
        var items = Items(60);
        var random = new Random(3);
        var store = Store([.. items.Select(i => (i.Name, (double)random.Next(100, 2001)))]);

        var shards = Enumerable.Range(1, 4).Select(n => TestPlan.ForShard(items, new Shard(n, 4), store)).ToList();

        Assert.Equal(items.Select(i => i.Name).Order(), shards.SelectMany(s => s.Select(i => i.Name)).Order());
        var totals = shards.Select(s => s.Sum(i => store.Entries[i.Name].DurationMs)).ToList();
        Assert.True(totals.Max() - totals.Min() <= 2000, $"shard totals {string.Join(", ", totals)}");
    }

    [Fact]
    public void ForShard_without_durations_partitions_by_stable_hash()
    {
        var items = Items(200);

        var shards = Enumerable.Range(1, 3).Select(n => TestPlan.ForShard(items, new Shard(n, 3), DurationStore.Empty())).ToList();

        Assert.Equal(200, shards.Sum(s => s.Count));
        Assert.Equal(items.Select(i => i.Name).Order(), shards.SelectMany(s => s.Select(i => i.Name)).Order());
        Assert.All(shards, s => Assert.InRange(s.Count, 40, 100));
    }

    [Fact]
    public async Task DurationStore_round_trips_through_its_file()
    {
        using var temp = new TempDirectory();
        var path = temp.File(".fanout/durations.json");
        var store = DurationStore.Empty();
        store.Record("a > b", TimeSpan.FromMilliseconds(12.34), "failed");

        await store.SaveAsync(path);

        Assert.Equal(new DurationStore.Entry(12.3, "failed"), DurationStore.Load(path).Entries["a > b"]);
        Assert.Contains("\"a > b\"", File.ReadAllText(path), StringComparison.Ordinal);
    }
}
