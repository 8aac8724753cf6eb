using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

/// <summary>Issue 19: API work as QA and data people do it: rows and templates, assertions, thresholds, JUnit.</summary>
public sealed class Issue19Tests(TestServer server) : IClassFixture<TestServer>
{
    [Fact]
    public async Task Issue19_A_templated_csv_of_500_rows_makes_a_request_per_row_and_reports_its_3_bad_rows()
    {
        using var temp = new TempDirectory();
        var rows = new List<string> { "id,name" };
        rows.AddRange(Enumerable.Range(1, 497).Select(i => $"{i},\"name, {i}\""));
        rows.Insert(100, "98,too,many");            // line 101: a field too many
        rows.Insert(200, "\"unclosed,x");            // line 201
        rows.Insert(300, "299");                     // line 301: a field short
        temp.Write("users.csv", string.Join('\n', rows) + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "users.csv", "--url", server.Url("/users/{id}?name={name}"), "--key", "{id}", "-j", "16", "-q", "-o", "out.jsonl"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("users.csv:101: 3 fields, the header has 2 (id,name)", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("users.csv:201: a quoted field runs past the end of the line", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("users.csv:301: 1 fields, the header has 2", run.Stderr, StringComparison.Ordinal);
        var records = File.ReadAllLines(temp.File("out.jsonl")).Select(TestServer.ParseJson).ToList();
        Assert.Equal(497, records.Count);
        Assert.All(records, r => Assert.True(r.GetProperty("ok").GetBoolean()));
        var seven = records.Single(r => r.GetProperty("key").GetString() == "7");
        // The row is in the record; the value went into the URL percent-encoded.
        Assert.Equal("name, 7", seven.GetProperty("input").GetProperty("name").GetString());
        Assert.EndsWith("/users/7?name=name%2C%207", seven.GetProperty("url").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue19_Jsonl_rows_fill_a_json_body_escaped_and_a_missing_field_is_an_error_of_its_line()
    {
        using var temp = new TempDirectory();
        temp.Write("rows.jsonl", "{\"name\":\"plain\"}\n{\"name\":\"say \\\"hi\\\"\\n\\\\ <b>\"}\n{\"other\":1}\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "rows.jsonl", "--url", server.Url("/echo"), "-X", "POST", "-d", "{\"greeting\":\"{name}\"}", "--key", "{name}", "-q", "-o", "out.jsonl"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("rows.jsonl:3: the row has no field 'name' (it has other)", run.Stderr, StringComparison.Ordinal);
        var records = File.ReadAllLines(temp.File("out.jsonl")).Select(TestServer.ParseJson).ToList();
        Assert.Equal(2, records.Count);
        var tricky = records.Single(r => r.GetProperty("key").GetString()!.StartsWith("say", StringComparison.Ordinal));
        // The server got valid JSON whose value is the row's exact text.
        var sent = JsonDocument.Parse(tricky.GetProperty("body").GetProperty("body").GetString()!).RootElement;
        Assert.Equal("say \"hi\"\n\\ <b>", sent.GetProperty("greeting").GetString());
    }

    [Fact]
    public async Task Issue19_Header_templates_take_the_rows_text_and_refuse_a_line_break()
    {
        using var temp = new TempDirectory();
        temp.Write("rows.jsonl", "{\"id\":1,\"tag\":\"$5 off\"}\n{\"id\":2,\"tag\":\"a\\r\\nX-Injected: 1\"}\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "rows.jsonl", "--url", server.Url("/headers?id={id}"), "-H", "X-Tag: {tag}", "-q", "-o", "out.jsonl"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("rows.jsonl:2: header X-Tag: the row's value contains a line break", run.Stderr, StringComparison.Ordinal);
        var record = Assert.Single(File.ReadAllLines(temp.File("out.jsonl")).Select(TestServer.ParseJson));
        Assert.Equal("$5 off", record.GetProperty("body").GetProperty("x-tag").GetString());
    }

    [Fact]
    public async Task Issue19_Expectations_fail_items_with_what_was_seen_and_are_not_retried()
    {
        using var temp = new TempDirectory();
        temp.Write("urls.txt", string.Join('\n', server.Url("/users/1"), server.Url("/users/5000"), server.Url("/json"), server.Url("/text")) + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "--expect", "status=2xx", "--expect", "json:.name~^user", "--expect", "header:content-type~json", "--expect", "latency<10s", "--retries", "2", "-q", "-o", "out.jsonl", "--extract", "name=.name"]);

        Assert.Equal(1, run.ExitCode);
        var records = File.ReadAllLines(temp.File("out.jsonl")).Select(TestServer.ParseJson).ToDictionary(r => new Uri(r.GetProperty("key").GetString()!).AbsolutePath);
        Assert.True(records["/users/1"].GetProperty("ok").GetBoolean());
        Assert.Equal("user 1", records["/users/1"].GetProperty("name").GetString());
        Assert.Equal("expected status=2xx, got 404", records["/users/5000"].GetProperty("error").GetString());
        Assert.Equal("expected json:.name~^user, not found", records["/json"].GetProperty("error").GetString());
        Assert.Equal("expected json:.name~^user, the body is not JSON", records["/text"].GetProperty("error").GetString());
        Assert.All(records.Values.Where(r => !r.GetProperty("ok").GetBoolean()), r =>
        {
            Assert.Equal("assertion", r.GetProperty("error_kind").GetString());
            Assert.Equal(1, r.GetProperty("attempts").GetInt32());
        });

        // A status expectation replaces the status < 400 rule: a 404 that is expected is a pass.
        temp.Write("gone.txt", server.Url("/users/5000") + "\n");
        var gone = await FanoutCli.RunAsync(temp.Path, ["http", "gone.txt", "--expect", "status=404", "--expect", "json:.error=no such user", "-q"]);
        Assert.True(gone.ExitCode == 0, gone.ToString());

        var bad = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "--expect", "json:.count>many", "--expect", "stauts=200"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--expect: 'json:.count>many': > compares numbers, and 'many' is not one", bad.Stderr, StringComparison.Ordinal);
        Assert.Contains("--expect: 'stauts=200' is not an expectation", bad.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("p99<30s", "errors<=0", "rate>0.1/s", 0)]
    [InlineData("p50<1ms", "errors<1%", "rate>0.1/s", 1)]
    [InlineData("p99<30s", "errors<1%", "rate>1000000/s", 1)]
    public async Task Issue19_Thresholds_pass_or_fail_the_run(string latency, string errors, string rate, int exitCode)
    {
        using var temp = new TempDirectory();
        temp.Write("urls.txt", string.Concat(Enumerable.Range(1, 30).Select(i => server.Url($"/slow/5?i={i}") + "\n")));

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "-j", "4", "--threshold", latency, "--threshold", errors, "--threshold", rate, "--stats", "stats.json", "-o", "out.jsonl"]);

        Assert.True(run.ExitCode == exitCode, run.ToString());
        Assert.Contains("Thresholds:", run.Stderr, StringComparison.Ordinal);
        foreach (var rule in new[] { latency, errors, rate })
        {
            Assert.Matches($@"  {Regex.Escape(rule)} +(passed|FAILED) \(seen ", run.Stderr);
        }

        var thresholds = TestServer.ParseJson(File.ReadAllText(temp.File("stats.json"))).GetProperty("thresholds").EnumerateArray().ToList();
        Assert.Equal(exitCode == 0 ? 0 : 1, thresholds.Count(t => t.GetProperty("result").GetString() == "failed"));
    }

    [Fact]
    public async Task Issue19_Junit_has_a_testcase_per_request_in_the_test_jobs_shape()
    {
        using var temp = new TempDirectory();
        temp.Write("urls.txt", string.Join('\n', server.Url("/users/1"), server.Url("/users/2"), server.Url("/users/0"), "http://127.0.0.1:1/refused") + "\n");
        temp.Write("tests.txt", "a\ttrue\nb\tfalse\n");

        var http = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "--expect", "status=200", "--retries", "0", "-q", "--junit", "http.xml"]);
        var test = await FanoutCli.RunAsync(temp.Path, ["test", "tests.txt", "-q", "--junit", "test.xml"]);

        Assert.Equal(1, http.ExitCode);
        Assert.Equal(1, test.ExitCode);
        var suite = XDocument.Load(temp.File("http.xml")).Root!;
        AssertJUnitShape(suite);
        AssertJUnitShape(XDocument.Load(temp.File("test.xml")).Root!);
        Assert.Equal(("4", "1", "1"), (suite.Attribute("tests")!.Value, suite.Attribute("failures")!.Value, suite.Attribute("errors")!.Value));
        var failed = suite.Elements("testcase").Single(t => t.Attribute("name")!.Value.EndsWith("/users/0", StringComparison.Ordinal));
        Assert.Equal("expected status=200, got 404", failed.Element("failure")!.Attribute("message")!.Value);
        Assert.Equal("network", suite.Elements("testcase").Single(t => t.Attribute("name")!.Value.Contains(":1/", StringComparison.Ordinal)).Element("error")!.Attribute("type")!.Value);
    }

    [Fact]
    public async Task Issue19_The_readmes_test_an_api_recipe_runs_as_written()
    {
        using var temp = new TempDirectory();
        var run = await RunReadmeAsync(temp.Path, "### Test an API", new Dictionary<string, string>
        {
            ["API"] = server.BaseUrl.ToString().TrimEnd('/'),
            ["API_TOKEN"] = "t0ken",
        });

        Assert.True(run.ExitCode == 0, run.ToString());
        var records = File.ReadAllLines(temp.File("results.jsonl")).Select(TestServer.ParseJson).ToList();
        Assert.Equal(["user 1", "user 2", "user 3"], records.Select(r => r.GetProperty("key").GetString()).Order());
        Assert.All(records, r => Assert.Equal("Bearer t0ken", r.GetProperty("body").GetProperty("auth").GetString()));
        Assert.Equal("free", records.Single(r => r.GetProperty("key").GetString() == "user 1").GetProperty("input").GetProperty("plan").GetString());
        Assert.Equal("user1@example.test", records.Single(r => r.GetProperty("key").GetString() == "user 1").GetProperty("email").GetString());
        Assert.Equal("3", XDocument.Load(temp.File("junit.xml")).Root!.Attribute("tests")!.Value);
        Assert.DoesNotContain("t0ken", run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs the bash block under a README heading exactly as written, in <paramref name="directory"/>, with `fanout` on
    /// PATH being the program under test (a shim for the JIT build or FANOUT_BIN).
    /// </summary>
    internal static Task<FanoutCli.Run> RunReadmeAsync(string directory, string heading, IDictionary<string, string>? environment = null)
    {
        var bin = Directory.CreateDirectory(Path.Combine(directory, "bin")).FullName;
        var shim = Path.Combine(bin, "fanout");
        File.WriteAllText(shim, $"#!/bin/sh\nexec {string.Join(' ', FanoutCli.Command.Select(c => $"'{c}'"))} \"$@\"\n");
        File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        return RunBashAsync(directory, ReadmeBlock(heading), variables);
    }

    /// <summary>The bash block under a README heading.</summary>
    internal static string ReadmeBlock(string heading)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var at = readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(at >= 0, $"README has no '{heading}'");
        var start = readme.IndexOf("```bash\n", at, StringComparison.Ordinal) + "```bash\n".Length;
        return readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
    }

    internal static async Task<FanoutCli.Run> RunBashAsync(string directory, string script, IDictionary<string, string> environment)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script])
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(limit.Token);
        return new FanoutCli.Run(process.ExitCode, await stdout, await stderr);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "README.md")) && Directory.Exists(Path.Combine(directory.FullName, "src")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("the repository root (README.md) above the test binaries");
    }

    /// <summary>The shape `fanout test --junit` writes, which CI systems read: the same for every job.</summary>
    private static void AssertJUnitShape(XElement suite)
    {
        Assert.Equal("testsuite", suite.Name.LocalName);
        foreach (var attribute in new[] { "name", "tests", "failures", "errors", "skipped", "time", "timestamp" })
        {
            Assert.NotNull(suite.Attribute(attribute));
        }

        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(cases.Count.ToString(CultureInfo.InvariantCulture), suite.Attribute("tests")!.Value);
        Assert.Equal(cases.Count(c => c.Element("failure") is not null).ToString(CultureInfo.InvariantCulture), suite.Attribute("failures")!.Value);
        Assert.Equal(cases.Count(c => c.Element("error") is not null).ToString(CultureInfo.InvariantCulture), suite.Attribute("errors")!.Value);
        Assert.Equal(suite.Elements().Count(), cases.Count);
        foreach (var testCase in cases)
        {
            Assert.All(new[] { "name", "classname", "time" }, a => Assert.NotNull(testCase.Attribute(a)));
            Assert.True(double.TryParse(testCase.Attribute("time")!.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
            Assert.All(testCase.Elements(), e => Assert.Contains(e.Name.LocalName, new[] { "failure", "error", "skipped", "system-out", "system-err", "flakyFailure", "rerunFailure" }));
            Assert.All(testCase.Elements().Where(e => e.Name.LocalName is "failure" or "error"), e => Assert.NotNull(e.Attribute("message")));
        }
    }
}

/// <summary>Issue 19: a paged gallery listing: pages, names from entries, metadata, no refetch on a rerun.</summary>
public sealed class Issue19GalleryTests(TestServer server) : IClassFixture<TestServer>
{
    [Theory]
    [InlineData("/gallery-pages", "paging.next")]
    [InlineData("/gallery-cursor", "paging.cursor")]
    [InlineData("/gallery-linked", null)]
    public async Task Issue19_A_three_page_gallery_is_followed_and_named_from_its_entries(string listing, string? next)
    {
        using var temp = new TempDirectory();
        string[] paging = next is null ? [] : ["--next", next];

        var run = await FanoutCli.RunAsync(temp.Path, ["download", "--from-json", server.Url(listing), "--links", "data[].link", .. paging, "--where", "type!=video/mp4", "--name", "{id}.{ext}", "--metadata", "--dir", "d", "--retries", "0", "-q", "-o", "out.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(["1.jpg", "1.jpg.json", "3.png", "3.png.json", "5.gif", "5.gif.json", "6.gif", "6.gif.json"], Directory.GetFiles(temp.File("d")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(300, new FileInfo(temp.File("d/3.png")).Length);
        var entry = TestServer.ParseJson(File.ReadAllText(temp.File("d/3.png.json")));
        Assert.Equal("dog", entry.GetProperty("title").GetString());
        var records = File.ReadAllLines(temp.File("out.jsonl")).Select(TestServer.ParseJson).ToList();
        Assert.Equal(5, records.Count);
        Assert.Equal("/status/404", new Uri(records.Single(r => !r.GetProperty("ok").GetBoolean()).GetProperty("url").GetString()!).AbsolutePath);
    }

    [Fact]
    public async Task Issue19_Max_pages_cuts_the_listing_and_says_where_it_goes_on()
    {
        using var temp = new TempDirectory();

        var run = await FanoutCli.RunAsync(temp.Path, ["download", "--from-json", server.Url("/gallery-pages"), "--links", "data[].link", "--next", "paging.next", "--max-pages", "2", "--dir", "d", "-q", "-o", "out.jsonl", "--retries", "0"]);

        Assert.Contains("stopped after 2 pages (--max-pages); the listing goes on at " + server.Url("/gallery-pages?page=3"), run.Stderr, StringComparison.Ordinal);
        Assert.Equal(4, File.ReadAllLines(temp.File("out.jsonl")).Length);
        Assert.DoesNotContain("page=3", File.ReadAllText(temp.File("out.jsonl")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue19_The_readmes_gallery_recipe_runs_as_written_and_a_rerun_fetches_nothing_again()
    {
        using var temp = new TempDirectory();
        var environment = new Dictionary<string, string> { ["API"] = server.BaseUrl.ToString().TrimEnd('/') };
        var before = server.Hits("gallery-file/3");

        var first = await Issue19Tests.RunReadmeAsync(temp.Path, "### Harvest a paged gallery", environment);
        var second = await Issue19Tests.RunReadmeAsync(temp.Path, "### Harvest a paged gallery", environment);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("some downloads failed", first.Stdout, StringComparison.Ordinal);
        // A listing's hostile title ("../../escape/x") is one sanitised name segment inside the directory.
        Assert.Equal(["1-cat.jpg", "1-cat.jpg.json", "3-dog.png", "3-dog.png.json", "5-bird.gif", "5-bird.gif.json", "6-_.._escape_x.gif", "6-_.._escape_x.gif.json"], Directory.GetFiles(temp.File("gallery")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.False(Directory.Exists(temp.File("escape")));
        Assert.Equal(new[] { "bin", "gallery" }, Directory.GetDirectories(temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // The rerun skipped what the journal lists as finished (the broken link too, as GNU parallel's --resume does).
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(before + 1, server.Hits("gallery-file/3"));
    }
}
