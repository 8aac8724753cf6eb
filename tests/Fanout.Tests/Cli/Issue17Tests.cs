using System.Globalization;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

/// <summary><c>--joblog</c>, <c>--resume</c> and <c>--resume-failed</c>: a run stopped at any moment finishes without redoing work.</summary>
public sealed class Issue17Tests
{
    [Fact]
    public async Task Issue17_Killed_at_three_moments_and_resumed_every_item_is_done_once_in_the_journal()
    {
        using var temp = new TempDirectory();
        const int Items = 60;
        temp.Write("items.txt", string.Concat(Enumerable.Range(1, Items).Select(i => $"item{i}\n")));
        string[] run = ["run", "items.txt", "--cmd", "sleep 0.1; echo {} >> ran.txt", "-j", "4", "--joblog", "jobs.log", "-q"];
        var seed = Random.Shared.Next();
        var random = new Random(seed);

        for (var kill = 0; kill < 3; kill++)
        {
            using var process = FanoutCli.Start(temp.Path, [.. run, "--resume"]);
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(250, 900)));
            process.Kill();
            await process.WaitForExitAsync();
        }

        var last = await FanoutCli.RunAsync(temp.Path, [.. run, "--resume"]);

        Assert.True(last.ExitCode == 0, $"seed {seed}\n{last}");
        var journal = File.ReadAllLines(temp.File("jobs.log")).Where(l => l.Length > 0).Select(l => { try { return TestServer.ParseJson(l); } catch (System.Text.Json.JsonException) { return (System.Text.Json.JsonElement?)null; } }).OfType<System.Text.Json.JsonElement>().ToList();
        var keys = journal.Select(j => j.GetProperty("key").GetString()).ToList();
        Assert.Equal(Items, keys.Distinct().Count());
        // Journaled once each: a finished item is never run again; only those killed in flight ran twice.
        Assert.Equal(Items, keys.Count);
        Assert.All(journal, j => Assert.True(j.GetProperty("ok").GetBoolean()));
        var ran = File.ReadAllLines(temp.File("ran.txt"));
        Assert.Equal(Items, ran.Distinct().Count());
        Assert.InRange(ran.Length, Items, Items + (3 * 4));
        Assert.All(new[] { "attempts", "started_at", "ended_at", "elapsed_ms", "status", "worker", "error_kind", "outcome" }, f => Assert.True(journal[0].TryGetProperty(f, out _), f));
    }

    [Fact]
    public async Task Issue17_Resume_skips_what_finished_and_resume_failed_runs_the_failures_again()
    {
        using var temp = new TempDirectory();
        temp.Write("tests.txt", "good\ttrue\nbad\ttest -e flag\n");

        var first = await FanoutCli.RunAsync(temp.Path, ["test", "tests.txt", "--joblog", "jobs.log", "-o", "r1.jsonl"]);
        var resumed = await FanoutCli.RunAsync(temp.Path, ["test", "tests.txt", "--joblog", "jobs.log", "--resume", "-o", "r2.jsonl"]);
        temp.Write("flag", "now it passes\n");
        var again = await FanoutCli.RunAsync(temp.Path, ["test", "tests.txt", "--joblog", "jobs.log", "--resume-failed", "-o", "r3.jsonl"]);

        Assert.True(first.ExitCode == 1, first.ToString());
        Assert.Contains("resumed: 2 tests", resumed.Stderr, StringComparison.Ordinal);
        Assert.Equal("bad", TestServer.ParseJson(Assert.Single(File.ReadAllLines(temp.File("r3.jsonl")))).GetProperty("key").GetString());
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("resumed: 1 tests", again.Stderr, StringComparison.Ordinal);
        var outcomes = File.ReadAllLines(temp.File("jobs.log")).Select(TestServer.ParseJson).ToList();
        string Line(System.Text.Json.JsonElement o) => $"{o.GetProperty("key").GetString()}={o.GetProperty("status").GetInt32()}";
        Assert.Equal(["bad=1", "good=0"], outcomes.Take(2).Select(Line).Order(StringComparer.Ordinal));
        Assert.Equal("bad=0", Line(outcomes[2]));
    }

    [Theory]
    [InlineData("run", "--resume")]
    [InlineData("insert", "--resume")]
    public async Task Issue17_Resume_without_a_journal_or_for_insert_is_a_usage_error(string job, string flag)
    {
        using var temp = new TempDirectory();
        temp.Write("in.txt", "{\"id\":1}\n");
        string[] extra = job == "insert" ? ["--db", "a.db", "--table", "t", "--joblog", "j.log"] : ["--cmd", "echo {}"];

        var run = await FanoutCli.RunAsync(temp.Path, [job, "in.txt", .. extra, flag]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--", run.Stderr, StringComparison.Ordinal);
    }
}

/// <summary><c>--shard auto</c>: the shard from the CI system's variables.</summary>
public sealed class ShardFromEnvironmentTests
{
    [Theory]
    [InlineData("CI_NODE_INDEX=2,CI_NODE_TOTAL=4", null, "2/4")]
    [InlineData("CIRCLE_NODE_INDEX=0,CIRCLE_NODE_TOTAL=3", null, "1/3")]
    [InlineData("BUILDKITE_PARALLEL_JOB=4,BUILDKITE_PARALLEL_JOB_COUNT=5", null, "5/5")]
    [InlineData("TEST_SHARD_INDEX=1,TEST_TOTAL_SHARDS=2", null, "2/2")]
    [InlineData("JOB_COMPLETION_INDEX=3", 8, "4/8")]
    public void Issue17_Shard_auto_reads_the_ci_systems_variables(string variables, int? shards, string expected)
    {
        var environment = variables.Split(',').Select(v => v.Split('=')).ToDictionary(p => p[0], p => p[1]);

        var (shard, source) = Fanout.Engine.Shard.FromEnvironment(n => environment.GetValueOrDefault(n), shards);

        Assert.Equal(expected, shard.ToString());
        Assert.Contains(environment.Keys.First(), source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("JOB_COMPLETION_INDEX=3", null)]
    [InlineData("CI_NODE_INDEX=0,CI_NODE_TOTAL=4", null)]
    [InlineData("CIRCLE_NODE_INDEX=3,CIRCLE_NODE_TOTAL=3", null)]
    public void Issue17_Shard_auto_without_a_usable_shard_says_what_is_missing(string variables, int? shards)
    {
        var environment = variables.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => v.Split('=')).ToDictionary(p => p[0], p => p[1]);

        Assert.Throws<FormatException>(() => Fanout.Engine.Shard.FromEnvironment(n => environment.GetValueOrDefault(n), shards));
    }
}

/// <summary>The shared queue in PostgreSQL: many workers, one killed, every item done once.</summary>
[Collection(PostgresCollection.Name)]
public sealed class QueueTests(PostgresServer server) : IAsyncLifetime
{
    private Fanout.Cli.Demo.LoopbackServer? _web;

    public async Task InitializeAsync() => _web = await Fanout.Cli.Demo.DemoServer.StartAsync();

    public async Task DisposeAsync() => await _web!.DisposeAsync();

    [Fact]
    public async Task Issue17_Three_workers_one_killed_give_every_item_exactly_one_result()
    {
        using var temp = new TempDirectory();
        // 600 x 100 ms over 3 x 8 workers: about 2.5 s, so the kill at ~0.7 s lands mid-run with a batch leased.
        const int Items = 600;
        var name = "q" + Guid.NewGuid().ToString("N")[..8];
        temp.Write("urls.txt", string.Concat(Enumerable.Range(1, Items).Select(i => new Uri(_web!.BaseUrl, $"/delay/100?i={i}") + "\n")));
        var db = server.Url();

        var push = await FanoutCli.RunAsync(temp.Path, ["queue", "push", db, name, "urls.txt"]);
        var again = await FanoutCli.RunAsync(temp.Path, ["queue", "push", db, name, "urls.txt"]);
        var workers = Enumerable.Range(1, 3).Select(w => FanoutCli.Start(temp.Path, ["http", "--queue", $"{db}#{name}", "-j", "8", "--lease", "2s", "-q", "-o", $"w{w}.jsonl"])).ToList();
        await Eventually.TrueAsync(() => File.Exists(temp.File("w1.jsonl.tmp")) || workers[0].HasExited || Directory.GetFiles(temp.Path, "*.jsonl*").Length > 0, "worker 1 started", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromMilliseconds(700));
        workers[0].Kill();
        // Its leases stay as they were until they run out (2 s): what it held now is what may run twice.
        var afterKill = await FanoutCli.RunAsync(temp.Path, ["queue", "status", db, name]);
        foreach (var worker in workers)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await worker.WaitForExitAsync(limit.Token);
        }

        var results = await FanoutCli.RunAsync(temp.Path, ["queue", "results", db, name]);
        var status = await FanoutCli.RunAsync(temp.Path, ["queue", "status", db, name]);

        Assert.True(push.ExitCode == 0 && push.Stderr.Contains($"{Items} of {Items} lines added", StringComparison.Ordinal), push.ToString());
        Assert.Contains($"0 of {Items} lines added", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, workers[1].ExitCode);
        Assert.Equal(0, workers[2].ExitCode);
        var records = results.JsonLines;
        Assert.Equal(Items, records.Count);
        Assert.Equal(Items, records.Select(r => r.GetProperty("key").GetString()).Distinct().Count());
        Assert.All(records, r => Assert.True(r.GetProperty("ok").GetBoolean()));
        Assert.Contains($"done {Items}", status.Stdout, StringComparison.Ordinal);
        // The survivors did the rest, the killed worker's leased items included (it never wrote its file).
        var local = Enumerable.Range(2, 2).SelectMany(w => File.ReadAllLines(temp.File($"w{w}.jsonl"))).Select(l => TestServer.ParseJson(l).GetProperty("key").GetString()).ToList();
        Assert.Equal(local.Count, local.Distinct().Count());
        Assert.False(File.Exists(temp.File("w1.jsonl")));
        Assert.True(status.Stdout.Contains("leased 0", StringComparison.Ordinal), status.Stdout);
        Assert.Contains("nothing left", status.Stdout, StringComparison.Ordinal);
        // Items that may have run twice are exactly the killed worker's leases (none of the survivors' ran out).
        var held = System.Text.RegularExpressions.Regex.Match(afterKill.Stdout, $@":{workers[0].Id}  holds (\d+),");
        var relet = System.Text.RegularExpressions.Regex.Match(status.Stdout, @"(\d+) items were leased again after their worker was lost");
        Assert.True(held.Success && relet.Success, afterKill.Stdout + status.Stdout);
        Assert.True(int.Parse(held.Groups[1].Value, CultureInfo.InvariantCulture) > 0, afterKill.Stdout);
        Assert.Equal(held.Groups[1].Value, relet.Groups[1].Value);
    }
}

/// <summary>A worker whose queue database goes away stops with an error instead of waiting for ever.</summary>
[Collection(PostgresCollection.Name)]
public sealed class QueueLostDatabaseTests(PostgresServer server)
{
    [Fact]
    public async Task Issue17_A_worker_whose_database_is_dropped_stops_with_an_error()
    {
        using var temp = new TempDirectory();
        var database = "lost" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = new Npgsql.NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {database}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var db = server.Url(database);
        temp.Write("tests.txt", string.Concat(Enumerable.Range(1, 200).Select(i => $"t{i}\tsleep 0.2\n")));
        var push = await FanoutCli.RunAsync(temp.Path, ["queue", "push", db, "q", "tests.txt"]);
        using var worker = FanoutCli.Start(temp.Path, ["test", "--queue", $"{db}#q", "-j", "4", "-q", "-o", "out.jsonl"]);
        var stderrRead = worker.StandardError.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await using (var connection = new Npgsql.NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE {database} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await worker.WaitForExitAsync(limit.Token);
        var stderr = await stderrRead;

        Assert.Equal(0, push.ExitCode);
        Assert.NotEqual(0, worker.ExitCode);
        Assert.Contains("fanout: --queue: the database failed", stderr, StringComparison.Ordinal);
        Assert.Equal(2, worker.ExitCode);
    }
}

/// <summary>Tests through the shared queue: a killed worker's running tests are run again by the others.</summary>
[Collection(PostgresCollection.Name)]
public sealed class QueueTestItemsTests(PostgresServer server)
{
    [Fact]
    public async Task Issue17_A_killed_workers_running_tests_are_run_by_another_worker()
    {
        using var temp = new TempDirectory();
        const int Tests = 40;
        var name = "t" + Guid.NewGuid().ToString("N")[..8];
        temp.Write("tests.txt", string.Concat(Enumerable.Range(1, Tests).Select(i => $"t{i}\tsleep 0.3; echo t{i} >> ran.txt\n")));
        var db = server.Url();

        var push = await FanoutCli.RunAsync(temp.Path, ["queue", "push", db, name, "tests.txt"]);
        var workers = Enumerable.Range(1, 3).Select(w => FanoutCli.Start(temp.Path, ["test", "--queue", $"{db}#{name}", "-j", "4", "--lease", "2s", "-q", "-o", $"w{w}.jsonl"])).ToList();
        await Eventually.TrueAsync(() => File.Exists(temp.File("ran.txt")), "the first test ran", TimeSpan.FromSeconds(30));
        workers[0].Kill();
        // Its leases stay as they were until they run out (2 s): what it held now is what may run twice.
        var afterKill = await FanoutCli.RunAsync(temp.Path, ["queue", "status", db, name]);
        foreach (var worker in workers)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await worker.WaitForExitAsync(limit.Token);
        }

        var results = await FanoutCli.RunAsync(temp.Path, ["queue", "results", db, name]);

        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Equal(0, workers[1].ExitCode);
        Assert.Equal(0, workers[2].ExitCode);
        var records = results.JsonLines;
        Assert.Equal(Tests, records.Count);
        Assert.Equal(Tests, records.Select(r => r.GetProperty("key").GetString()).Distinct().Count());
        Assert.All(records, r => Assert.Equal("passed", r.GetProperty("outcome").GetString()));
        // Every test ran; those the killed worker was running ran again elsewhere.
        Assert.Equal(Tests, File.ReadAllLines(temp.File("ran.txt")).Distinct().Count());
    }
}

/// <summary>The queue's table: leasing takes exactly what was asked, a stopped worker gives back what it never
/// started, and a table made by the first version is upgraded in place.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresWorkQueueTests(PostgresServer server)
{
    [Fact]
    public async Task Issue17_A_lease_takes_exactly_the_count_asked_on_a_fresh_big_queue()
    {
        // A fresh queue has no planner statistics: a join on a LIMIT ... SKIP LOCKED subquery could rerun it per row.
        var url = await FreshDatabaseAsync();
        await using var queue = await Fanout.Queue.PostgresWorkQueue.OpenAsync(url, "big");
        await queue.PushAsync(Enumerable.Range(1, 20_000).Select(i => $"item {i}"));

        var leases = await queue.LeaseAsync("me", 100, TimeSpan.FromMinutes(1), maxAttempts: 1);
        var status = await queue.StatusAsync();

        Assert.Equal(Enumerable.Range(1, 100).Select(i => $"item {i}"), leases.Select(l => l.Key));
        Assert.Equal(100, status.Counts["leased"]);
        Assert.Equal(19_900, status.Counts["pending"]);
    }

    [Fact]
    public async Task Issue17_Released_leases_are_pending_again_with_their_attempt_not_counted()
    {
        var url = await FreshDatabaseAsync();
        await using var queue = await Fanout.Queue.PostgresWorkQueue.OpenAsync(url, "q");
        await queue.PushAsync(["a", "b", "c"]);
        var leases = await queue.LeaseAsync("me", 2, TimeSpan.FromMinutes(1), maxAttempts: 1);

        var released = await queue.ReleaseAsync([.. leases.Select(l => l.Token)]);
        var again = await queue.LeaseAsync("other", 3, TimeSpan.FromMinutes(1), maxAttempts: 1);

        Assert.Equal(2, released);
        Assert.Equal(["c", "a", "b"], again.Select(l => l.Key));
        Assert.All(again, l => Assert.Equal(1, l.Attempt));
        Assert.Equal(0, (await queue.StatusAsync()).Relet);
    }

    [Fact]
    public async Task Issue17_A_lost_lease_is_leased_again_and_counted_as_relet()
    {
        var url = await FreshDatabaseAsync();
        await using var queue = await Fanout.Queue.PostgresWorkQueue.OpenAsync(url, "q");
        await queue.PushAsync(["a", "b"]);
        var lost = await queue.LeaseAsync("killed", 1, TimeSpan.FromMilliseconds(1), maxAttempts: 1);
        await Task.Delay(50);

        var again = await queue.LeaseAsync("alive", 2, TimeSpan.FromMinutes(1), maxAttempts: 1);
        var late = await queue.FinishAsync(lost[0], ok: true, "{}", maxAttempts: 1);
        await queue.FinishManyAsync([.. again.Select(l => (l, true, $$"""{"key":"{{l.Key}}"}"""))], maxAttempts: 1);
        var status = await queue.StatusAsync();

        Assert.Equal(["a", "b"], again.Select(l => l.Key).Order());
        Assert.False(late);
        Assert.Equal(1, status.Relet);
        Assert.Equal(2, status.Counts["done"]);
        Assert.Equal(TimeSpan.Zero, status.Eta);
    }

    [Fact]
    public async Task Issue17_A_first_version_table_is_upgraded_with_its_items_kept()
    {
        var url = await FreshDatabaseAsync();
        await using (var connection = new Npgsql.NpgsqlConnection(Fanout.Database.Postgres.PostgresSink.ConnectionString(url)))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(
                """
                CREATE TABLE fanout_queue (queue text NOT NULL, key text NOT NULL, position bigserial, state text NOT NULL DEFAULT 'pending',
                    attempts integer NOT NULL DEFAULT 0, lease_owner text, lease_token uuid, lease_expires_at timestamptz, ok boolean,
                    result text, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (queue, key));
                CREATE INDEX fanout_queue_ready ON fanout_queue (queue, state, position);
                COMMENT ON TABLE fanout_queue IS 'fanout work queue, schema 1';
                INSERT INTO fanout_queue (queue, key, state, attempts, ok, result) VALUES ('q', 'done', 'done', 1, true, '{"key":"done"}');
                INSERT INTO fanout_queue (queue, key) VALUES ('q', 'pending');
                INSERT INTO fanout_queue (queue, key, state, attempts, lease_owner, lease_token, lease_expires_at)
                    VALUES ('q', 'lost', 'leased', 1, 'gone', gen_random_uuid(), now() - interval '1 minute');
                """,
                connection);
            await command.ExecuteNonQueryAsync();
        }

        await using var queue = await Fanout.Queue.PostgresWorkQueue.OpenAsync(url, "q");
        var leases = await queue.LeaseAsync("me", 10, TimeSpan.FromMinutes(1), maxAttempts: 1);
        var results = await ToListAsync(queue.ResultsAsync());

        Assert.Equal(["lost", "pending"], leases.Select(l => l.Key).Order());
        Assert.Equal(["""{"key":"done"}"""], results);
        Assert.Equal(1, (await queue.StatusAsync()).Relet);
    }

    private static async Task<List<string>> ToListAsync(IAsyncEnumerable<string> items)
    {
        var list = new List<string>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    private async Task<string> FreshDatabaseAsync()
    {
        var name = "q" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new Npgsql.NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return server.Url(name);
    }
}
