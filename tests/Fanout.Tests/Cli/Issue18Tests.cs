using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Fanout.Reports;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

/// <summary>Issue 18: the HTML report of a run, read in a real (headless) browser as a person would see it.</summary>
public sealed class Issue18Tests : IAsyncLifetime
{
    private Fanout.Cli.Demo.LoopbackServer? _web;

    public async Task InitializeAsync() => _web = await Fanout.Cli.Demo.DemoServer.StartAsync();

    public async Task DisposeAsync() => await _web!.DisposeAsync();

    [SkippableFact]
    public async Task Issue18_Http_report_shows_one_lane_per_worker_and_the_figures_of_its_records()
    {
        Chromium.Require();
        using var temp = new TempDirectory();
        // 57 quick calls of mixed times, 3 that fail: -j 4, so every worker runs many items.
        var lines = Enumerable.Range(1, 57).Select(i => new Uri(_web!.BaseUrl, $"/delay/{i % 6 * 7}?i={i}").ToString())
            .Concat(Enumerable.Range(1, 3).Select(i => new Uri(_web!.BaseUrl, $"/status/500?i={i}").ToString()));
        temp.Write("urls.txt", string.Join('\n', lines) + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "-j", "4", "--retries", "0", "-o", "out.jsonl", "--report", "report.html"]);
        var page = await Chromium.RenderAsync(temp.File("report.html"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("report: report.html", run.Stderr, StringComparison.Ordinal);
        Assert.True(page.Drawn, page.Log);
        Assert.Empty(page.ScriptErrors);
        var records = File.ReadAllLines(temp.File("out.jsonl")).Select(TestServer.ParseJson).ToList();
        AssertFigures(page, records);
        Assert.Equal("4", page.Attribute("timeline", "data-lanes"));
        Assert.Equal(4, page.Count("<g class=\"lane\""));
        Assert.Equal(60, page.Count("class=\"bar o"));
        // A failed item's error is on the page (failures by error, with its keys as examples).
        Assert.Contains("HTTP 500 Internal Server Error", page.Dom, StringComparison.Ordinal);
        Assert.Contains("/status/500?i=2", page.Dom, StringComparison.Ordinal);
        Assert.Contains("<td>status 500</td><td class=\"n\">3</td>", page.Dom, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Issue18_Report_command_merges_shards_and_keeps_each_files_workers_apart()
    {
        Chromium.Require();
        using var temp = new TempDirectory();
        temp.Write("urls.txt", string.Concat(Enumerable.Range(1, 40).Select(i => new Uri(_web!.BaseUrl, $"/delay/{i % 3 * 5}?i={i}") + "\n")));
        var first = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "--shard", "1/2", "-j", "3", "-q", "-o", "shard1.jsonl"]);
        var second = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "--shard", "2/2", "-j", "2", "-q", "-o", "shard2.jsonl"]);

        var report = await FanoutCli.RunAsync(temp.Path, ["report", "shard1.jsonl", "shard2.jsonl", "-o", "merged.html"]);
        var page = await Chromium.RenderAsync(temp.File("merged.html"));

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first.ToString() + second);
        Assert.True(report.ExitCode == 0, report.ToString());
        Assert.StartsWith("40 items: 40 ok, 0 failed (40 attempts) on 5 workers", report.Stdout, StringComparison.Ordinal);
        Assert.True(page.Drawn && page.ScriptErrors.Count == 0, page.Log);
        Assert.Equal("5", page.Attribute("timeline", "data-lanes"));
        var records = File.ReadAllLines(temp.File("shard1.jsonl")).Concat(File.ReadAllLines(temp.File("shard2.jsonl"))).Select(TestServer.ParseJson).ToList();
        AssertFigures(page, records);
        Assert.Contains("data-lane=\"2:2\"", page.Dom, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Issue18_Hostile_keys_and_errors_are_text_on_the_page_never_markup()
    {
        Chromium.Require();
        using var temp = new TempDirectory();
        var now = DateTimeOffset.UtcNow;
        string Record(string key, bool ok, string? error, int worker) => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["key"] = key, ["ok"] = ok, ["attempts"] = 1, ["elapsed_ms"] = 5.0, ["queued_ms"] = 0.0, ["worker"] = worker,
            ["started_at"] = now.ToString("O", CultureInfo.InvariantCulture), ["ended_at"] = now.AddMilliseconds(5).ToString("O", CultureInfo.InvariantCulture),
            ["error"] = error, ["error_kind"] = error is null ? null : "http",
        });
        temp.Write("hostile.jsonl", string.Join('\n',
            Record("</script><script>document.title='owned'</script>", true, null, 1),
            Record("<img src=x onerror=\"document.body.dataset.owned=1\">", false, "<b id=injected>bold</b> \u001b[31mred", 2),
            Record("\u2028line\u2029separators & \"quotes\"", true, null, 1)) + "\n");

        var report = await FanoutCli.RunAsync(temp.Path, ["report", "hostile.jsonl", "-o", "hostile.html"]);
        var page = await Chromium.RenderAsync(temp.File("hostile.html"));

        Assert.True(report.ExitCode == 0, report.ToString());
        Assert.True(page.Drawn, page.Log);
        Assert.Empty(page.ScriptErrors);
        Assert.DoesNotContain("<img", page.Dom, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"injected\"", page.Dom, StringComparison.Ordinal);
        Assert.DoesNotContain("data-owned", page.Dom, StringComparison.Ordinal);
        Assert.Contains("&lt;b id=injected&gt;bold&lt;/b&gt;", page.Dom, StringComparison.Ordinal);
        Assert.Contains("<title>fanout report</title>", page.Dom, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("test", "tests", "passed")]
    [InlineData("download", "bytes-per-s", null)]
    [InlineData("read", "bytes-per-s", null)]
    [InlineData("insert", "rows-per-s", null)]
    public async Task Issue18_Every_job_writes_a_report_with_its_own_figures(string job, string id, string? text)
    {
        Chromium.Require();
        using var temp = new TempDirectory();
        string[] args = job switch
        {
            "test" => ["test", temp.Write("tests.txt", "a\ttrue\nb\ttrue\nc\tfalse\n"), "-j", "2"],
            "download" => ["download", temp.Write("files.txt", string.Concat(Enumerable.Range(1, 5).Select(i => new Uri(_web!.BaseUrl, $"/bytes/{1000 * i}") + $" f{i}.bin\n"))), "--dir", "d"],
            "read" => ["read", Path.GetDirectoryName(temp.Write("files/a.txt", "one\ntwo\n"))!, "--hash", "sha256"],
            _ => ["insert", temp.Write("rows.jsonl", string.Concat(Enumerable.Range(1, 100).Select(i => $"{{\"id\":{i}}}\n")) + "{\"id\":\"x\"}\n"), "--db", "t.db", "--table", "t"],
        };

        var run = await FanoutCli.RunAsync(temp.Path, [.. args, "-q", "-o", "out.jsonl", "--report", "report.html"]);
        var page = await Chromium.RenderAsync(temp.File("report.html"));

        Assert.True(File.Exists(temp.File("report.html")), run.ToString());
        Assert.True(page.Drawn, page.Log);
        Assert.Empty(page.ScriptErrors);
        Assert.Contains($"id=\"{id}\"", page.Dom, StringComparison.Ordinal);
        if (text is not null)
        {
            Assert.Contains($"<td>{text}</td>", page.Dom, StringComparison.Ordinal);
        }

        AssertFigures(page, [.. File.ReadAllLines(temp.File("out.jsonl")).Select(TestServer.ParseJson)]);
    }

    [SkippableFact]
    public async Task Issue18_An_interrupted_run_still_writes_its_report()
    {
        Chromium.Require();
        using var temp = new TempDirectory();
        temp.Write("tests.txt", string.Concat(Enumerable.Range(1, 40).Select(i => $"t{i}\tsleep 0.3\n")));
        using var process = FanoutCli.Start(temp.Path, ["test", "tests.txt", "-j", "2", "-q", "-o", "out.jsonl", "--report", "report.html"]);
        var stderr = process.StandardError.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(limit.Token);
        var page = await Chromium.RenderAsync(temp.File("report.html"));

        Assert.Equal(130, process.ExitCode);
        Assert.True(page.Drawn, page.Log + await stderr);
        var items = int.Parse(page.Attribute("count-items", "data-value")!, CultureInfo.InvariantCulture);
        Assert.InRange(items, 2, 39);
        Assert.Equal(File.ReadAllLines(temp.File("out.jsonl")).Length, items);
    }

    [SkippableFact]
    public async Task Issue18_A_big_run_is_drawn_in_time_buckets_with_its_failures_exact()
    {
        Chromium.Require();
        using var temp = new TempDirectory();
        // 20,000 items on 8 workers, every 1,000th failing: above the item-bar limit.
        var start = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        var report = new RunReport(new ReportInfo("http", "fanout http big.txt -j 8", "test", "1.0.0"));
        var records = new List<string>();
        for (var i = 0; i < 20_000; i++)
        {
            var worker = (i % 8) + 1;
            var began = start.AddMilliseconds(i / 8 * 10);
            var ok = i % 1000 != 999;
            var record = JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["key"] = $"item {i}", ["ok"] = ok, ["status"] = ok ? 200 : 503, ["attempts"] = 1, ["elapsed_ms"] = 1 + (i % 9), ["worker"] = worker,
                ["started_at"] = began.ToString("O", CultureInfo.InvariantCulture), ["error"] = ok ? null : "HTTP 503 Service Unavailable",
            });
            records.Add(record);
            Assert.True(report.Add(record));
        }

        await using (var file = File.Create(temp.File("big.html")))
        {
            report.WriteHtml(file);
        }

        var page = await Chromium.RenderAsync(temp.File("big.html"));

        Assert.True(page.Drawn && page.ScriptErrors.Count == 0, page.Log);
        Assert.Equal("8", page.Attribute("timeline", "data-lanes"));
        Assert.Contains("each lane shows how busy its worker was", page.Dom, StringComparison.Ordinal);
        Assert.Contains("HTTP 503 Service Unavailable</td><td></td><td class=\"n\">20</td>", page.Dom, StringComparison.Ordinal);
        AssertFigures(page, [.. records.Select(TestServer.ParseJson)]);
    }

    [Fact]
    public void Issue18_Library_report_figures_are_nearest_rank_over_the_records()
    {
        var report = new RunReport(new ReportInfo("run", "fanout run", "host", "1"));
        foreach (var ms in new[] { 5.0, 1.0, 4.0, 2.0, 3.0, 100.0, 6.0, 7.0, 8.0, 9.0 })
        {
            report.Add($$"""{"key":"k{{ms}}","ok":{{(ms < 100 ? "true" : "false")}},"elapsed_ms":{{ms.ToString(CultureInfo.InvariantCulture)}},"worker":1,"started_at":"2026-11-30T12:00:00.000Z"}""");
        }

        report.Add("not json");
        var summary = report.Summarize();
        // Records without times (an older fanout's) are laid end to end in their worker's lane.
        var untimed = new RunReport(new ReportInfo("run", "fanout run", "host", "1"));
        untimed.Add("""{"key":"a","ok":true,"elapsed_ms":100,"worker":1}""");
        untimed.Add("""{"key":"b","ok":true,"elapsed_ms":50,"worker":1}""");
        untimed.Add("""{"key":"c","ok":true,"elapsed_ms":30,"worker":2}""");

        Assert.Equal(10, summary.Items);
        Assert.Equal(1, summary.Failed);
        Assert.Equal(1, report.Invalid);
        Assert.Equal(5.0, summary.P50);
        Assert.Equal(9.0, summary.P90);
        Assert.Equal(100.0, summary.P99);
        Assert.Equal(1, summary.Workers);
        Assert.Equal(TimeSpan.FromMilliseconds(150), untimed.Summarize().Span);
    }

    /// <summary>The counts and percentiles on the page equal those computed here from the records (nearest rank).</summary>
    private static void AssertFigures(Chromium.Rendered page, IReadOnlyList<JsonElement> records)
    {
        var elapsed = records.Select(r => r.GetProperty("elapsed_ms").GetDouble()).Order().ToArray();
        double Rank(double q) => elapsed[Math.Clamp((int)Math.Ceiling(q * elapsed.Length) - 1, 0, elapsed.Length - 1)];
        var failed = records.Count(r => !r.GetProperty("ok").GetBoolean());
        Assert.Equal(records.Count.ToString(CultureInfo.InvariantCulture), page.Attribute("count-items", "data-value"));
        Assert.Equal(failed.ToString(CultureInfo.InvariantCulture), page.Attribute("count-failed", "data-value"));
        Assert.Equal((records.Count - failed).ToString(CultureInfo.InvariantCulture), page.Attribute("count-ok", "data-value"));
        foreach (var (id, q) in new[] { ("p50", 0.50), ("p90", 0.90), ("p99", 0.99) })
        {
            Assert.Equal(Rank(q), double.Parse(page.Attribute(id, "data-ms")!, CultureInfo.InvariantCulture), 9);
            // What a person reads: the same value as the page formats it (ms with one decimal below a second).
            var shown = Rank(q) >= 1000 ? (Rank(q) / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s" : Rank(q).ToString("0.0", CultureInfo.InvariantCulture) + " ms";
            Assert.Equal(shown, page.Text(id));
        }
    }
}
