using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Faults;

/// <summary>Redirects, header injection and control bytes: no secret leaves for another origin, no request is smuggled.</summary>
public sealed class WebFaultTests(HostileServer server) : IClassFixture<HostileServer>
{
    private static readonly string[] SecretHeaders = ["-H", "X-Api-Key: $FANOUT_TEST_KEY", "-H", "Authorization: Bearer t0ken", "-H", "Cookie: session=c00kie", "-H", "X-Plain: visible"];

    private static readonly Dictionary<string, string> Environment = new() { ["FANOUT_TEST_KEY"] = "k3y" };

    [Theory]
    [InlineData("http")]
    [InlineData("download")]
    public async Task Issue15_A_redirect_to_another_origin_drops_every_credential_header(string job)
    {
        using var temp = new TempDirectory();
        var marker = Guid.NewGuid().ToString("N");
        temp.Write("urls.txt", Redirect(server.OtherUrl($"/headers?m={marker}")) + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, [job, "urls.txt", .. Dir(job), .. SecretHeaders, "-q", "-o", "r.jsonl"], environment: Environment);

        Assert.True(run.ExitCode == 0, run.ToString());
        var arrived = Assert.Single(server.Requests, r => r.Origin == "other" && r.Path.Contains(marker, StringComparison.Ordinal)).Headers;
        Assert.DoesNotContain("x-api-key", arrived.Keys);
        Assert.DoesNotContain("authorization", arrived.Keys);
        Assert.DoesNotContain("cookie", arrived.Keys);
        Assert.Equal("visible", arrived["x-plain"]);
    }

    [Fact]
    public async Task Issue15_A_redirect_within_the_origin_or_with_location_trusted_keeps_them()
    {
        using var temp = new TempDirectory();
        var same = Guid.NewGuid().ToString("N");
        var trusted = Guid.NewGuid().ToString("N");
        temp.Write("same.txt", Redirect(server.Url($"/headers?m={same}")) + "\n");
        temp.Write("trusted.txt", Redirect(server.OtherUrl($"/headers?m={trusted}")) + "\n");

        var first = await FanoutCli.RunAsync(temp.Path, ["http", "same.txt", .. SecretHeaders, "-q", "-o", "r1.jsonl"], environment: Environment);
        var second = await FanoutCli.RunAsync(temp.Path, ["http", "trusted.txt", "--location-trusted", .. SecretHeaders, "-q", "-o", "r2.jsonl"], environment: Environment);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        foreach (var marker in new[] { same, trusted })
        {
            var arrived = Assert.Single(server.Requests, r => r.Path == $"/headers?m={marker}").Headers;
            Assert.Equal("k3y", arrived["x-api-key"]);
            Assert.Equal("Bearer t0ken", arrived["authorization"]);
            Assert.Equal("session=c00kie", arrived["cookie"]);
        }
    }

    [Theory]
    [InlineData("http")]
    [InlineData("download")]
    public async Task Issue15_A_redirect_loop_is_a_failure_of_its_own_kind(string job)
    {
        using var temp = new TempDirectory();
        temp.Write("urls.txt", server.Url("/loop") + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, [job, "urls.txt", .. Dir(job), "--retries", "2", "-q", "-o", "r.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        var record = TestServer.ParseJson(Assert.Single(File.ReadAllLines(temp.File("r.jsonl"))));
        Assert.False(record.GetProperty("ok").GetBoolean());
        Assert.Equal("too_many_redirects", record.GetProperty("error_kind").GetString());
        // Not retried: the loop is the server's configuration, not a passing fault.
        Assert.Equal(1, record.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Issue15_Line_breaks_in_a_jsonl_header_are_a_per_line_error_and_nothing_is_smuggled()
    {
        using var temp = new TempDirectory();
        var marker = Guid.NewGuid().ToString("N");
        var smuggle = $"v\\r\\nContent-Length: 0\\r\\n\\r\\nGET /smuggled?m={marker} HTTP/1.1\\r\\nHost: x";
        var url = server.Url("/headers");
        string[] specs =
        [
            "{\"url\": \"" + url + "\", \"headers\": {\"X-A\": \"" + smuggle + "\"}}",
            "{\"url\": \"" + url + "\", \"headers\": {\"X-B\\r\\nX-C\": \"v\"}}",
            "{\"url\": \"" + url + "\", \"headers\": {\"X-D\": \"nul\\u0000\"}}",
            "{\"url\": \"" + server.Url($"/headers?m={marker}") + "\"}",
        ];
        temp.Write("specs.jsonl", string.Join('\n', specs) + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "specs.jsonl", "-q", "-o", "r.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.DoesNotContain(server.Requests, r => r.Path.Contains("/smuggled", StringComparison.Ordinal));
        Assert.Contains(server.Requests, r => r.Path == $"/headers?m={marker}");
        Assert.Contains("specs.jsonl:1", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("specs.jsonl:2", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("specs.jsonl:3", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue15_A_variable_that_would_inject_a_header_is_a_usage_error()
    {
        using var temp = new TempDirectory();
        temp.Write("urls.txt", server.Url("/headers") + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "-H", "X-A: $FANOUT_TEST_EVIL"], environment: new Dictionary<string, string> { ["FANOUT_TEST_EVIL"] = "v\r\nX-Injected: 1" });

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--header", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Headers.ContainsKey("x-injected"));
    }

    [Fact]
    public async Task Issue15_Control_bytes_from_input_and_servers_are_escaped_on_the_terminal()
    {
        using var temp = new TempDirectory();
        temp.Write("urls.txt", "http://127.0.0.1:1/\u001b[2J\u001b]0;owned\u0007\n" + server.Url("/escapes?x=%1B") + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "--format", "table", "--retries", "0"]);
        var shown = await FanoutCli.RunInTerminalAsync(temp.Path, ["http", "urls.txt", "--retries", "0"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        foreach (var text in new[] { run.Stdout, run.Stderr, shown.Stdout })
        {
            Assert.DoesNotContain('\u0007', text);
            Assert.DoesNotContain("\u001b[2J", text, StringComparison.Ordinal);
            Assert.DoesNotContain("\u001b]0;", text, StringComparison.Ordinal);
        }

        Assert.Contains("\\x1b[2J", run.Stderr + run.Stdout, StringComparison.Ordinal);
    }

    /// <summary>A URL on the main origin that redirects to <paramref name="to"/>.</summary>
    private string Redirect(string to) => server.Url("/redirect?to=" + Uri.EscapeDataString(to));

    private static string[] Dir(string job) => job == "download" ? ["--dir", "out"] : [];
}
