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

    // What workers taking the next test as they free up would take, given each test's exact duration.
    private static double Makespan(IEnumerable<CommandItem> order, DurationStore store, int workers)
    {
        var free = new PriorityQueue<int, double>();
        for (var w = 0; w < workers; w++)
        {
            free.Enqueue(w, 0);
        }

        var end = 0.0;
        foreach (var item in order)
        {
            free.TryDequeue(out var worker, out var at);
            var done = at + store.Entries[item.Name].DurationMs;
            end = Math.Max(end, done);
            free.Enqueue(worker, done);
        }

        return end;
    }

    [Fact]
    public void StartOrder_with_one_worker_is_longest_first_with_unknown_tests_first()
    {
        var plan = TestPlan.StartOrder(Items(4), Store(("t1", 100), ("t2", 900), ("t4", 500)), workers: 1);

        Assert.Equal(["t3", "t2", "t4", "t1"], plan.Select(i => i.Name));
    }

    [Fact]
    public void StartOrder_beats_longest_first_where_it_leaves_a_worker_behind()
    {
        // Longest first on 2 workers: 3+2+2 and 3+2, done at 7; the even split is 3+3 and 2+2+2, done at 6.
        var items = Items(5);
        var store = Store(("t1", 2), ("t2", 3), ("t3", 2), ("t4", 3), ("t5", 2));
        var longestFirst = items.OrderByDescending(i => store.Entries[i.Name].DurationMs);

        var plan = TestPlan.StartOrder(items, store, workers: 2);

        Assert.Equal(7, Makespan(longestFirst, store, 2));
        Assert.Equal(6, Makespan(plan, store, 2));
        Assert.Equal(items.Select(i => i.Name).Order(), plan.Select(i => i.Name).Order());
    }

    [Theory]
    [InlineData(60, 8, 11)]
    [InlineData(200, 3, 12)]
    [InlineData(9, 8, 13)]
    [InlineData(500, 16, 14)]
    public void StartOrder_is_never_worse_than_longest_first_and_keeps_every_test(int count, int workers, int seed)
    {
        var items = Items(count);
        var random = new Random(seed);
        var store = Store([.. items.Select(i => (i.Name, (double)random.Next(100, 2001)))]);
        var longestFirst = items.OrderByDescending(i => store.Entries[i.Name].DurationMs);

        var plan = TestPlan.StartOrder(items, store, workers);

        Assert.Equal(items.Select(i => i.Name).Order(), plan.Select(i => i.Name).Order());
        var total = items.Sum(i => store.Entries[i.Name].DurationMs);
        var longest = items.Max(i => store.Entries[i.Name].DurationMs);
        var planned = Makespan(plan, store, workers);
        Assert.True(planned <= Makespan(longestFirst, store, workers), $"plan {planned}, longest first {Makespan(longestFirst, store, workers)}");
        Assert.True(planned >= Math.Max(total / workers, longest) - 1e-6);
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
        Assert.True(totals.Max() - totals.Min() <= 100, $"shard totals {string.Join(", ", totals)}");
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
