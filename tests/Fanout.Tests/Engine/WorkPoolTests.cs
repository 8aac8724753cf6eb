using System.Collections.Concurrent;
using Fanout.Engine;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Engine;

public sealed class WorkPoolTests
{
    private static async Task<List<WorkResult<TItem, TResult>>> CollectAsync<TItem, TResult>(IAsyncEnumerable<WorkResult<TItem, TResult>> results)
    {
        var list = new List<WorkResult<TItem, TResult>>();
        await foreach (var result in results)
        {
            list.Add(result);
        }

        return list;
    }

    [Fact]
    public async Task RunAsync_many_items_yields_exactly_one_result_each()
    {
        var items = Enumerable.Range(0, 500).ToList();
        var results = await CollectAsync(WorkPool.RunAsync(
            items,
            async (int i, CancellationToken ct) => { await Task.Yield(); return i * 2; },
            i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new WorkPoolOptions { Concurrency = 8 }));

        Assert.Equal(500, results.Count);
        Assert.All(results, r => Assert.True(r.Ok));
        Assert.Equal(items.Select(i => i * 2).Order(), results.Select(r => r.Value).Order());
        Assert.Equal(500, results.Select(r => r.Index).Distinct().Count());
    }

    [Fact]
    public async Task RunAsync_preserve_order_yields_in_input_order_although_completion_is_shuffled()
    {
        var random = new Random(7);
        var delays = Enumerable.Range(0, 200).Select(_ => random.Next(0, 8)).ToList();
        var results = await CollectAsync(WorkPool.RunAsync(
            Enumerable.Range(0, 200),
            async (int i, CancellationToken ct) => { await Task.Delay(delays[i], ct); return i; },
            i => $"item-{i}",
            new WorkPoolOptions { Concurrency = 16, PreserveOrder = true, OrderWindow = 32 }));

        Assert.Equal(Enumerable.Range(0, 200), results.Select(r => r.Value));
    }

    [Fact]
    public async Task RunAsync_unordered_yields_fast_items_before_slow_ones()
    {
        var results = await CollectAsync(WorkPool.RunAsync(
            [300, 1, 1, 1],
            async (int ms, CancellationToken ct) => { await Task.Delay(ms, ct); return ms; },
            ms => Guid.NewGuid().ToString(),
            new WorkPoolOptions { Concurrency = 4 }));

        Assert.Equal(300, results[^1].Value);
    }

    [Fact]
    public async Task RunAsync_failing_item_captures_error_and_others_continue()
    {
        var results = await CollectAsync(WorkPool.RunAsync(
            Enumerable.Range(0, 20),
            (int i, CancellationToken ct) => i == 5 ? throw new InvalidOperationException("item five broke") : ValueTask.FromResult(i),
            i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new WorkPoolOptions { Concurrency = 4 }));

        Assert.Equal(20, results.Count);
        var failed = Assert.Single(results, r => !r.Ok);
        Assert.Equal("5", failed.Key);
        Assert.Equal(nameof(InvalidOperationException), failed.Error!.Kind);
        Assert.Equal("item five broke", failed.Error.Message);
        Assert.Equal(1, failed.Attempts);
    }

    [Fact]
    public async Task RunAsync_transient_failure_is_retried_with_backoff_until_success()
    {
        var calls = new ConcurrentDictionary<int, int>();
        var results = await CollectAsync(WorkPool.RunAsync(
            [1, 2],
            (int i, CancellationToken ct) => calls.AddOrUpdate(i, 1, (_, n) => n + 1) < 3 ? throw new IOException("flaky") : ValueTask.FromResult(i),
            i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new WorkPoolOptions { Retries = 3, RetryBaseDelay = TimeSpan.FromMilliseconds(1) }));

        Assert.All(results, r => Assert.True(r.Ok));
        Assert.All(results, r => Assert.Equal(3, r.Attempts));
    }

    [Fact]
    public async Task RunAsync_retries_exhausted_reports_last_error_and_attempt_count()
    {
        var results = await CollectAsync(WorkPool.RunAsync(
            [1],
            (int i, CancellationToken ct) => ValueTask.FromException<int>(new IOException("always down")),
            i => "k",
            new WorkPoolOptions { Retries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(1) }));

        var result = Assert.Single(results);
        Assert.False(result.Ok);
        Assert.Equal(3, result.Attempts);
        Assert.Equal("always down", result.Error!.Message);
    }

    [Fact]
    public async Task RunAsync_retry_after_is_honoured_instead_of_the_backoff()
    {
        var time = new ManualTimeProvider();
        var attempts = 0;
        var handler = new ScriptedHandler(_ => Interlocked.Increment(ref attempts) == 1
            ? AttemptOutcome<string>.Failure(new WorkError("http", "HTTP 429"), isTransient: true, retryAfter: TimeSpan.FromSeconds(10))
            : AttemptOutcome<string>.Success("done"));
        var run = CollectAsync(WorkPool.RunAsync(
            ["a"],
            handler,
            new WorkPoolOptions { Retries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(1), TimeProvider = time }));

        await Eventually.TrueAsync(() => Volatile.Read(ref attempts) == 1 && time.PendingTimers > 0, "the first attempt and its retry timer");
        time.Advance(TimeSpan.FromSeconds(9.9));
        await Task.Delay(50);
        Assert.Equal(1, Volatile.Read(ref attempts));

        time.Advance(TimeSpan.FromSeconds(0.1));
        var result = Assert.Single(await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(result.Ok);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(10), result.RunTime);
    }

    [Fact]
    public async Task RunAsync_attempt_over_timeout_fails_with_timeout_error()
    {
        var results = await CollectAsync(WorkPool.RunAsync(
            ["slow", "fast"],
            async (string s, CancellationToken ct) =>
            {
                if (s == "slow")
                {
                    await Task.Delay(TimeSpan.FromSeconds(30), ct);
                }

                return s;
            },
            s => s,
            new WorkPoolOptions { AttemptTimeout = TimeSpan.FromMilliseconds(100) })).WaitAsync(TimeSpan.FromSeconds(10));

        var slow = Assert.Single(results, r => r.Key == "slow");
        Assert.Equal(WorkError.TimeoutKind, slow.Error!.Kind);
        Assert.Contains("100 ms", slow.Error.Message, StringComparison.Ordinal);
        Assert.True(Assert.Single(results, r => r.Key == "fast").Ok);
    }

    [Fact]
    public async Task RunAsync_rate_starts_items_in_their_slots_and_never_early()
    {
        var time = new ManualTimeProvider();
        var origin = time.GetUtcNow();
        var starts = new ConcurrentBag<TimeSpan>();
        var handler = new ScriptedHandler(_ =>
        {
            starts.Add(time.GetUtcNow() - origin);
            return AttemptOutcome<string>.Success("ok");
        });
        var run = CollectAsync(WorkPool.RunAsync(
            ["a", "b", "c", "d", "e"],
            handler,
            new WorkPoolOptions { RatePerSecond = 10, Concurrency = 5, TimeProvider = time }));

        for (var expected = 1; expected <= 5; expected++)
        {
            await Eventually.TrueAsync(() => starts.Count == expected, $"item {expected} to start");
            await Task.Delay(20);
            Assert.Equal(expected, starts.Count);
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var results = await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(
            new[] { 0, 100, 200, 300, 400 }.Select(ms => TimeSpan.FromMilliseconds(ms)),
            starts.Order());
        Assert.Equal(5, results.Count);
    }

    [Fact]
    public async Task RunAsync_rate_measures_latency_from_the_slot_not_from_the_late_start()
    {
        var time = new ManualTimeProvider();
        var gate = new TaskCompletionSource();
        var handler = new ScriptedHandler(async key =>
        {
            if (key == "a")
            {
                await gate.Task;
            }

            return AttemptOutcome<string>.Success(key);
        });
        var run = CollectAsync(WorkPool.RunAsync(
            ["a", "b"],
            handler,
            new WorkPoolOptions { RatePerSecond = 10, Concurrency = 1, TimeProvider = time }));

        // "a" holds the only worker for a second; "b" was due at 100 ms and waits.
        await Eventually.TrueAsync(() => time.PendingTimers > 0, "b's slot timer");
        time.Advance(TimeSpan.FromSeconds(1));
        gate.SetResult();
        var results = await run.WaitAsync(TimeSpan.FromSeconds(10));

        var b = Assert.Single(results, r => r.Key == "b");
        Assert.Equal(TimeSpan.FromMilliseconds(900), b.QueueWait);
        Assert.Equal(TimeSpan.FromMilliseconds(900), b.Latency);
    }

    [Fact]
    public async Task RunAsync_max_failures_stops_starting_new_items()
    {
        var started = 0;
        var results = await CollectAsync(WorkPool.RunAsync(
            Enumerable.Range(0, 1000),
            (int i, CancellationToken ct) =>
            {
                Interlocked.Increment(ref started);
                return i % 2 == 0 ? throw new InvalidOperationException("bad") : ValueTask.FromResult(i);
            },
            i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new WorkPoolOptions { Concurrency = 2, MaxFailures = 3 }));

        Assert.InRange(results.Count(r => !r.Ok), 3, 4);
        Assert.True(Volatile.Read(ref started) < 50, $"started {started} items after the limit");
        Assert.Equal(Volatile.Read(ref started), results.Count);
    }

    [Fact]
    public async Task RunAsync_stop_token_lets_running_items_finish_and_delivers_their_results()
    {
        using var stop = new CancellationTokenSource();
        var release = new TaskCompletionSource();
        var running = 0;
        var run = CollectAsync(WorkPool.RunAsync(
            Enumerable.Range(0, 100),
            async (int i, CancellationToken ct) =>
            {
                Interlocked.Increment(ref running);
                await release.Task;
                return i;
            },
            i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new WorkPoolOptions { Concurrency = 4 },
            stop.Token));

        await Eventually.TrueAsync(() => Volatile.Read(ref running) == 4, "four items running");
        await stop.CancelAsync();
        release.SetResult();
        var results = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(4, results.Count);
        Assert.All(results, r => Assert.True(r.Ok));
    }

    [Fact]
    public async Task RunAsync_abort_token_cancels_running_items_and_still_reports_them()
    {
        using var abort = new CancellationTokenSource();
        using var stop = new CancellationTokenSource();
        var running = 0;
        var run = CollectAsync(WorkPool.RunAsync(
            Enumerable.Range(0, 100),
            async (int i, CancellationToken ct) =>
            {
                Interlocked.Increment(ref running);
                await Task.Delay(TimeSpan.FromMinutes(5), ct);
                return i;
            },
            i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new WorkPoolOptions { Concurrency = 3, AbortToken = abort.Token },
            stop.Token));

        await Eventually.TrueAsync(() => Volatile.Read(ref running) == 3, "three items running");
        await stop.CancelAsync();
        await abort.CancelAsync();
        var results = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal(WorkError.CancelledKind, r.Error?.Kind));
    }

    [Fact]
    public async Task RunAsync_per_partition_limit_caps_items_in_flight_per_partition()
    {
        var inFlight = new ConcurrentDictionary<string, int>();
        var peak = new ConcurrentDictionary<string, int>();
        var handler = new ScriptedHandler(
            async key =>
            {
                var partition = key[..1];
                var now = inFlight.AddOrUpdate(partition, 1, (_, n) => n + 1);
                peak.AddOrUpdate(partition, now, (_, p) => Math.Max(p, now));
                await Task.Delay(5);
                inFlight.AddOrUpdate(partition, 0, (_, n) => n - 1);
                return AttemptOutcome<string>.Success(key);
            },
            partitionOf: key => key[..1]);
        var keys = Enumerable.Range(0, 60).Select(i => $"{(i % 3 == 0 ? 'a' : 'b')}{i}").ToList();

        var results = await CollectAsync(WorkPool.RunAsync(keys, handler, new WorkPoolOptions { Concurrency = 20, PerPartitionConcurrency = 2 }));

        Assert.Equal(60, results.Count);
        Assert.Equal(2, peak["a"]);
        Assert.Equal(2, peak["b"]);
    }

    [Fact]
    public async Task RunAsync_shards_partition_the_input_exactly()
    {
        var keys = Enumerable.Range(0, 2000).Select(i => $"https://host/item/{i}").ToList();
        var seen = new List<string>();
        for (var shard = 1; shard <= 4; shard++)
        {
            var results = await CollectAsync(WorkPool.RunAsync(
                keys,
                (string k, CancellationToken ct) => ValueTask.FromResult(k),
                k => k,
                new WorkPoolOptions { Shard = new Shard(shard, 4) }));
            Assert.InRange(results.Count, 350, 650);
            seen.AddRange(results.Select(r => r.Key));
        }

        Assert.Equal(keys.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RunAsync_consumer_stopping_early_leaves_no_running_work()
    {
        var running = 0;
        var count = 0;
        await foreach (var result in WorkPool.RunAsync(
            Enumerable.Range(0, 10_000),
            async (int i, CancellationToken ct) =>
            {
                Interlocked.Increment(ref running);
                try
                {
                    await Task.Delay(1, ct);
                    return i;
                }
                finally
                {
                    Interlocked.Decrement(ref running);
                }
            },
            i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new WorkPoolOptions { Concurrency = 8 }))
        {
            if (++count == 10)
            {
                break;
            }
        }

        Assert.Equal(0, Volatile.Read(ref running));
    }

    [Fact]
    public async Task RunAsync_broken_input_delivers_started_results_then_throws()
    {
        static IEnumerable<int> Broken()
        {
            yield return 1;
            yield return 2;
            throw new IOException("disk gone");
        }

        var results = new List<int>();
        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var r in WorkPool.RunAsync(Broken(), (int i, CancellationToken ct) => ValueTask.FromResult(i), i => "k", new WorkPoolOptions()))
            {
                results.Add(r.Value);
            }
        });

        Assert.Equal("disk gone", error.Message);
        Assert.Equal([1, 2], results.Order());
    }

    [Fact]
    public void RunAsync_invalid_options_are_rejected_up_front()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkPool.RunAsync([1], (int i, CancellationToken ct) => ValueTask.FromResult(i), i => "k", new WorkPoolOptions { Concurrency = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkPool.RunAsync([1], (int i, CancellationToken ct) => ValueTask.FromResult(i), i => "k", new WorkPoolOptions { AttemptTimeout = TimeSpan.FromMilliseconds(1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkPool.RunAsync([1], (int i, CancellationToken ct) => ValueTask.FromResult(i), i => "k", new WorkPoolOptions { RatePerSecond = 0 }));
    }

    /// <summary>A handler whose attempts a test scripts by key.</summary>
    private sealed class ScriptedHandler(Func<string, ValueTask<AttemptOutcome<string>>> attempt, Func<string, string?>? partitionOf = null) : IWorkHandler<string, string>
    {
        public ScriptedHandler(Func<string, AttemptOutcome<string>> attempt)
            : this(key => ValueTask.FromResult(attempt(key)))
        {
        }

        public string GetKey(string item) => item;

        public string? GetPartition(string item) => partitionOf?.Invoke(item);

        public ValueTask<AttemptOutcome<string>> HandleAsync(string item, AttemptContext context, CancellationToken cancellationToken) => attempt(item);
    }
}

/// <summary>
/// Measures the whole process's heap, so it runs with no other test alongside: another test's
/// allocations would count against the pool (it failed that way once in a full run).
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class WorkPoolMemoryTests
{
    [Fact]
    public async Task RunAsync_million_items_reads_input_lazily_with_bounded_lead()
    {
        const int Count = 1_000_000;
        long produced = 0;
        long consumed = 0;
        long maxLead = 0;
        IEnumerable<int> Generate()
        {
            for (var i = 0; i < Count; i++)
            {
                var lead = Interlocked.Increment(ref produced) - Interlocked.Read(ref consumed);
                if (lead > Interlocked.Read(ref maxLead))
                {
                    Interlocked.Exchange(ref maxLead, lead);
                }

                yield return i;
            }
        }

        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long peakHeap = 0;
        await foreach (var result in WorkPool.RunAsync(Generate(), (int i, CancellationToken ct) => ValueTask.FromResult(i), i => "k", new WorkPoolOptions { Concurrency = 8 }))
        {
            var done = Interlocked.Increment(ref consumed);
            if (done % 100_000 == 0)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: true) - heapBefore);
            }
        }

        Assert.Equal(Count, consumed);
        // Input channel (8) + workers (8) + output channel (16) + the one being yielded, with slack for races.
        Assert.True(maxLead <= 64, $"the pool read {maxLead} items ahead of the consumer");
        Assert.True(peakHeap < 32L * 1024 * 1024, $"heap grew by {peakHeap / 1024 / 1024} MiB");
    }
}
