using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

/// <summary><c>-j auto</c> from the command line, against the demo server's simulated capacities and rate limits.</summary>
public sealed class Issue16Tests : IAsyncLifetime
{
    private Fanout.Cli.Demo.LoopbackServer? _server;

    public async Task InitializeAsync() => _server = await Fanout.Cli.Demo.DemoServer.StartAsync();

    public async Task DisposeAsync() => await _server!.DisposeAsync();

    [Fact]
    public async Task Issue16_Auto_finds_a_servers_capacity_without_overloading_it()
    {
        using var temp = new TempDirectory();
        temp.Write("urls.txt", string.Concat(Enumerable.Range(1, 600).Select(i => new Uri(_server!.BaseUrl, $"/capacity/8?ms=20&i={i}") + "\n")));

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "-j", "auto", "--retries", "3", "-o", "r.jsonl", "--stats", "stats.json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var stats = TestServer.ParseJson(File.ReadAllText(temp.File("stats.json")));
        var limit = Assert.Single(stats.GetProperty("auto_concurrency").EnumerateArray().ToList());
        Assert.Equal($"127.0.0.1:{_server!.BaseUrl.Port}", limit.GetProperty("partition").GetString());
        // Beyond 24 in flight the server refuses: the limit stays below, and grows well past the start of 1.
        Assert.InRange(limit.GetProperty("highest").GetInt32(), 6, 24);
        Assert.True(limit.GetProperty("history").GetArrayLength() > 1);
        Assert.True(stats.GetProperty("attempts").GetInt64() <= 606, run.Stderr);
        Assert.Contains("Concurrency (-j auto)", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("at -j auto (settled at", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue16_Retry_after_pauses_the_host_so_few_requests_see_a_429()
    {
        using var temp = new TempDirectory();
        // 400 requests at a limit of 100/s (a bucket of one second's worth): about 3 s.
        temp.Write("urls.txt", string.Concat(Enumerable.Range(1, 400).Select(i => new Uri(_server!.BaseUrl, $"/rate/100?i={i}") + "\n")));

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "-j", "auto", "--retries", "5", "-q", "-o", "r.jsonl", "--stats", "stats.json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var stats = TestServer.ParseJson(File.ReadAllText(temp.File("stats.json")));
        // Without the pause every request in flight at each refill would be refused; with it, a few per second (more on a loaded machine).
        Assert.True(stats.GetProperty("attempts").GetInt64() <= 400 + 40, File.ReadAllText(temp.File("stats.json")));
        // Paced by the server's rate, not by the retries' backoff: about N / R (3 s after the first second's burst).
        Assert.InRange(stats.GetProperty("wall_ms").GetDouble(), 2_500, 8_000);
    }

    [Theory]
    [InlineData("auto:0")]
    [InlineData("autox")]
    [InlineData("0")]
    [InlineData("-3")]
    public async Task Issue16_A_bad_concurrency_is_a_usage_error(string value)
    {
        using var temp = new TempDirectory();
        temp.Write("urls.txt", "http://127.0.0.1:1/\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", $"-j={value}"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--concurrency", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue16_Auto_works_for_commands_too()
    {
        using var temp = new TempDirectory();
        temp.Write("cmds.txt", string.Concat(Enumerable.Range(1, 40).Select(_ => "sleep 0.05\n")));

        var run = await FanoutCli.RunAsync(temp.Path, ["test", "cmds.txt", "-j", "auto:16", "--stats", "stats.json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var limit = Assert.Single(TestServer.ParseJson(File.ReadAllText(temp.File("stats.json"))).GetProperty("auto_concurrency").EnumerateArray().ToList());
        Assert.Equal(string.Empty, limit.GetProperty("partition").GetString());
        Assert.InRange(limit.GetProperty("highest").GetInt32(), 5, 16);
    }
}
