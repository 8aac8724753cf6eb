using Fanout.Engine;
using Xunit;

namespace Fanout.Tests.Engine;

/// <summary>The adaptive limit against simulated servers: no clock, no sockets, exact and fast.</summary>
public sealed class AdaptiveLimitTests
{
    /// <summary>
    /// A server that serves <paramref name="capacity"/> at once in <paramref name="service"/> each and queues the rest:
    /// with L in flight, an answer takes service x max(1, L / capacity); beyond 3 x capacity it refuses (overload).
    /// Runs <paramref name="rounds"/> rounds of "every item in flight finishes" and returns the limits seen. The pool
    /// keeps the limit full (a new item starts as one ends), so each sample sees the limit in flight.
    /// </summary>
    internal static List<int> Simulate(AdaptiveLimit limit, Func<int, int> capacityAt, int rounds, double jitter = 0, int seed = 1)
    {
        var random = new Random(seed);
        var seen = new List<int>();
        for (var round = 0; round < rounds; round++)
        {
            var capacity = capacityAt(round);
            var inFlight = limit.Limit;
            for (var i = 0; i < inFlight; i++)
            {
                var overload = inFlight > 3 * capacity && i >= 3 * capacity;
                var rtt = 0.020 * Math.Max(1.0, (double)inFlight / capacity) * (1 + (jitter * random.NextDouble()));
                limit.Sample(TimeSpan.FromSeconds(rtt), overload, limit.Limit);
            }

            seen.Add(limit.Limit);
        }

        return seen;
    }

    [Theory]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(2)]
    public void Issue16_Settles_near_the_capacity_of_a_queueing_server(int capacity)
    {
        var limit = new AdaptiveLimit(AutoConcurrency.DefaultInitial, 1, 256);

        var seen = Simulate(limit, _ => capacity, 200, jitter: 0.05);

        // At least the capacity's worth in flight (its full throughput), below the 3x where it refuses.
        var settled = seen.Skip(20).ToList();
        Assert.True(settled.Min() >= capacity * 0.8 && settled.Max() < capacity * 3, $"capacity {capacity}: {string.Join(",", seen)}");
    }

    [Fact]
    public void Issue16_Grows_to_the_maximum_when_latency_never_inflates()
    {
        var limit = new AdaptiveLimit(AutoConcurrency.DefaultInitial, 1, 256);

        var seen = Simulate(limit, _ => 100_000, 20);

        Assert.Equal(256, seen[^1]);
        Assert.True(seen.IndexOf(256) <= 10, string.Join(",", seen));
    }

    [Fact]
    public void Issue16_Follows_a_capacity_drop()
    {
        var limit = new AdaptiveLimit(AutoConcurrency.DefaultInitial, 1, 256);

        var seen = Simulate(limit, round => round < 100 ? 64 : 8, 200, jitter: 0.05);

        Assert.InRange(seen[99], 52, 191);
        Assert.True(seen.Skip(103).All(l => l is >= 7 and < 24), string.Join(",", seen));
    }
}

/// <summary>The permits of <see cref="AutoConcurrency"/>: per partition, paused by Retry-After, on an injected clock.</summary>
public sealed class AutoConcurrencyTests
{
    [Fact]
    public async Task Issue16_Each_partition_has_its_own_limit_and_a_pause_holds_back_only_its_own()
    {
        var time = new Support.ManualTimeProvider();
        var auto = new AutoConcurrency(max: 64, initial: 2);
        auto.Start(time);

        var a1 = await auto.AcquireAsync("a", CancellationToken.None);
        var a2 = await auto.AcquireAsync("a", CancellationToken.None);
        var a3 = auto.AcquireAsync("a", CancellationToken.None);
        var b1 = await auto.AcquireAsync("b", CancellationToken.None);

        Assert.False(a3.IsCompleted);
        a1.Pause(TimeSpan.FromSeconds(5));
        a1.Dispose();
        // A free place, but "a" is paused for 5 s; "b" is not.
        Assert.False(a3.IsCompleted);
        var b2 = await auto.AcquireAsync("b", CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(5));
        var a3Permit = await a3.AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        var snapshot = auto.Snapshot();
        Assert.Equal(["a", "b"], snapshot.Select(s => s.Partition));
        Assert.Equal([2, 2], snapshot.Select(s => s.InFlight));
        foreach (var permit in new[] { a2, a3Permit, b1, b2 })
        {
            permit.Dispose();
        }

        Assert.All(auto.Snapshot(), s => Assert.Equal(0, s.InFlight));
    }

    [Fact]
    public async Task Issue16_A_cancelled_wait_takes_no_place()
    {
        var auto = new AutoConcurrency(max: 8, initial: 1);
        auto.Start(TimeProvider.System);
        var held = await auto.AcquireAsync(string.Empty, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = auto.AcquireAsync(string.Empty, cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);
        held.Dispose();

        var next = await auto.AcquireAsync(string.Empty, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, Assert.Single(auto.Snapshot()).InFlight);
        next.Dispose();
    }

    [Fact]
    public async Task Issue16_A_pause_timer_that_fires_early_does_not_strand_the_waiters()
    {
        var manual = new Support.ManualTimeProvider();
        var auto = new AutoConcurrency(max: 8, initial: 1);
        auto.Start(new EarlyTimers(manual));
        var held = await auto.AcquireAsync("h", CancellationToken.None);
        held.Pause(TimeSpan.FromSeconds(2));
        held.Dispose();
        var waiting = auto.AcquireAsync("h", CancellationToken.None);

        manual.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(1));
        Assert.False(waiting.IsCompleted);
        manual.Advance(TimeSpan.FromMilliseconds(1));

        (await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    /// <summary>A clock whose timers fire a millisecond early, as system timers may.</summary>
    private sealed class EarlyTimers(Support.ManualTimeProvider inner) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime > TimeSpan.FromMilliseconds(1) ? dueTime - TimeSpan.FromMilliseconds(1) : dueTime, period);
    }
}
