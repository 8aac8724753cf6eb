using System.Diagnostics;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

public sealed class HttpCommandTests(TestServer server) : IClassFixture<TestServer>
{
    [Fact]
    public async Task Http_all_ok_writes_jsonl_per_request_and_exits_0()
    {
        using var temp = new TempDirectory();
        var input = temp.Write("urls.txt", $"# smoke\n{server.Url("/json")}\n\n{server.Url("/text")}\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", input, "-q"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var records = run.JsonLines;
        Assert.Equal(2, records.Count);
        var json = records.Single(r => r.GetProperty("url").GetString()!.EndsWith("/json", StringComparison.Ordinal));
        Assert.Equal(200, json.GetProperty("status").GetInt32());
        Assert.True(json.GetProperty("ok").GetBoolean());
        Assert.Equal("world", json.GetProperty("body").GetProperty("hello").GetString());
        Assert.Equal(1, json.GetProperty("attempts").GetInt32());
        Assert.Empty(run.Stderr);
    }

    [Fact]
    public async Task Http_some_failed_and_bad_lines_reports_them_and_exits_1()
    {
        using var temp = new TempDirectory();
        var input = temp.Write("urls.txt", $"{server.Url("/status/200")}\nnot a url\n{server.Url("/status/404")}\n{{broken\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "--retries", "0"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(2, run.JsonLines.Count);
        Assert.Contains("urls.txt:2: 'not a url' is not a URL", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("urls.txt:4: invalid JSON", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("ok 1, failed 1, invalid input lines 2", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("404", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("p99.9", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_urls_on_stdin_are_read_when_no_file_is_given()
    {
        using var temp = new TempDirectory();

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "-q"], stdin: server.Url("/text") + "\n");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("plain text", Assert.Single(run.JsonLines).GetProperty("body").GetString());
    }

    [Fact]
    public async Task Http_header_from_environment_is_sent_and_never_printed()
    {
        using var temp = new TempDirectory();
        var input = temp.Write("urls.txt", server.Url("/status/200") + "\n" + server.Url("/headers") + "\n");
        const string Secret = "tok-7f3a9c-secret";

        var run = await FanoutCli.RunAsync(
            temp.Path,
            ["http", input, "-H", "Authorization: Bearer $API_CLIENT_ID", "--body", "none", "--stats", "stats.json"],
            environment: new Dictionary<string, string> { ["API_CLIENT_ID"] = Secret });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain(Secret, run.Stdout + run.Stderr + File.ReadAllText(temp.File("stats.json")), StringComparison.Ordinal);

        var echo = await FanoutCli.RunAsync(temp.Path, ["http", "-q", "-H", "Authorization: Bearer ${API_CLIENT_ID}"], stdin: server.Url("/headers"), environment: new Dictionary<string, string> { ["API_CLIENT_ID"] = Secret });
        Assert.Equal($"Bearer {Secret}", Assert.Single(echo.JsonLines).GetProperty("body").GetProperty("authorization").GetString());
    }

    [Fact]
    public async Task Http_unset_header_variable_is_a_usage_error()
    {
        using var temp = new TempDirectory();

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "-H", "Authorization: Bearer $FANOUT_TEST_UNSET"], stdin: server.Url("/text"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--header: environment variable FANOUT_TEST_UNSET is not set", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Theory]
    [InlineData("--concurrency", "0")]
    [InlineData("--timeout", "soon")]
    [InlineData("--rate", "fast")]
    [InlineData("--shard", "3/2")]
    [InlineData("--format", "xml")]
    [InlineData("--max-body", "lots")]
    public async Task Http_bad_option_value_exits_2_naming_the_option(string option, string value)
    {
        using var temp = new TempDirectory();

        var run = await FanoutCli.RunAsync(temp.Path, ["http", option, value], stdin: server.Url("/text"));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(option.TrimStart('-'), run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_missing_input_file_exits_2()
    {
        using var temp = new TempDirectory();

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "no-such-file.txt"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no-such-file.txt", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_output_file_and_csv_format_by_extension()
    {
        using var temp = new TempDirectory();
        var input = temp.Write("urls.txt", server.Url("/text") + "\n" + server.Url("/status/201") + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", input, "-o", "out/results.csv", "-q", "--ordered"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Stdout);
        var lines = File.ReadAllLines(temp.File("out/results.csv"));
        Assert.Equal("key,ok,url,method,status,bytes,content_type,body,attempts,elapsed_ms,queued_ms,worker,started_at,ended_at,error,error_kind", lines[0]);
        Assert.StartsWith(server.Url("/text") + ",true," + server.Url("/text") + ",GET,200,10,text/plain,plain text,1,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith(server.Url("/status/201") + ",true," + server.Url("/status/201") + ",GET,201,", lines[2], StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(temp.File("out")));
    }

    [Fact]
    public async Task Http_stats_file_has_status_counts_and_percentiles()
    {
        using var temp = new TempDirectory();
        var input = temp.Write("urls.txt", string.Concat(Enumerable.Repeat(server.Url("/text") + "\n", 5)) + server.Url("/status/503") + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", input, "--retries", "0", "--stats", "stats.json", "-q"]);

        Assert.Equal(1, run.ExitCode);
        var stats = TestServer.ParseJson(File.ReadAllText(temp.File("stats.json")));
        Assert.Equal(6, stats.GetProperty("completed").GetInt32());
        Assert.Equal(5, stats.GetProperty("status_codes").GetProperty("200").GetInt32());
        Assert.Equal(1, stats.GetProperty("status_codes").GetProperty("503").GetInt32());
        Assert.True(stats.GetProperty("latency_ms").GetProperty("p99").GetDouble() > 0);
        Assert.True(stats.GetProperty("speedup").GetDouble() > 0);
    }

    [Fact]
    public async Task Http_shards_split_the_input_between_runs_exactly()
    {
        using var temp = new TempDirectory();
        var urls = Enumerable.Range(0, 40).Select(i => server.Url($"/status/200?i={i}")).ToList();
        var input = temp.Write("urls.txt", string.Join('\n', urls));

        var seen = new List<string>();
        for (var shard = 1; shard <= 3; shard++)
        {
            var run = await FanoutCli.RunAsync(temp.Path, ["http", input, "--shard", $"{shard}/3", "-q", "--body", "none"]);
            Assert.True(run.ExitCode == 0, run.ToString());
            seen.AddRange(run.JsonLines.Select(r => r.GetProperty("url").GetString()!));
        }

        Assert.Equal(urls.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Http_sigint_finishes_in_flight_requests_writes_them_and_exits_130()
    {
        using var temp = new TempDirectory();
        var input = temp.Write("urls.txt", string.Concat(Enumerable.Range(0, 50).Select(i => server.Url($"/slow/1500?i={i}") + "\n")));

        using var process = FanoutCli.Start(temp.Path, ["http", input, "-j", "2", "-o", "out.jsonl"]);
        var stderr = process.StandardError.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(limit.Token);

        Assert.Equal(130, process.ExitCode);
        var lines = File.ReadAllLines(temp.File("out.jsonl"));
        // Two finished before the signal and the two in flight finished after it: nothing lost, nothing new started.
        Assert.InRange(lines.Length, 2, 6);
        Assert.All(lines, l => Assert.True(TestServer.ParseJson(l).GetProperty("ok").GetBoolean()));
        Assert.Contains("interrupted", await stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_help_explains_options_and_exit_codes()
    {
        using var temp = new TempDirectory();

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "--help"]);

        Assert.Equal(0, run.ExitCode);
        foreach (var text in new[] { "--concurrency", "--retries", "--rate", "--per-host", "--max-body", "$VAR", "Exit codes", "Examples" })
        {
            Assert.Contains(text, run.Stdout, StringComparison.Ordinal);
        }
    }
}
