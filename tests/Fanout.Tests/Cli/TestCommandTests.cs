using System.Xml.Linq;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

public sealed class TestCommandTests
{
    [Fact]
    public async Task Test_outcomes_junit_and_summary_line()
    {
        using var temp = new TempDirectory();
        temp.Write("tests.txt", "pass\ttrue\nfail\techo bad output; exit 2\nskip\texit 77\nnasty\tprintf 'bell\\007 and <tag> & \"q\"\\n'; exit 1\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["test", "tests.txt", "--junit", "junit.xml", "-j", "4"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("1 passed, 2 failed, 1 skipped", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("── FAILED fail", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("── PASSED", run.Stderr, StringComparison.Ordinal);

        var suite = XDocument.Load(temp.File("junit.xml")).Root!;
        Assert.Equal("4", suite.Attribute("tests")!.Value);
        Assert.Equal("2", suite.Attribute("failures")!.Value);
        Assert.Equal("1", suite.Attribute("skipped")!.Value);
        var nasty = suite.Elements("testcase").Single(t => t.Attribute("name")!.Value == "nasty");
        Assert.Equal("bell and <tag> & \"q\"\n", nasty.Element("system-out")!.Value);
        Assert.NotNull(suite.Elements("testcase").Single(t => t.Attribute("name")!.Value == "skip").Element("skipped"));
    }

    [Fact]
    public async Task Test_grouped_output_of_parallel_chatty_tests_is_not_interleaved()
    {
        using var temp = new TempDirectory();
        temp.Write("tests.txt", "a\tfor i in $(seq 1 200); do echo A$i; sleep 0.001; done; exit 1\nb\tfor i in $(seq 1 200); do echo B$i; sleep 0.001; done; exit 1\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["test", "tests.txt", "-j", "2", "-q"]);

        var lines = run.Stderr.Split('\n');
        foreach (var name in new[] { "A", "B" })
        {
            var first = Array.FindIndex(lines, l => l == $"{name}1");
            Assert.True(first > 0, run.Stderr);
            Assert.Equal(Enumerable.Range(1, 200).Select(i => $"{name}{i}"), lines.Skip(first).Take(200));
        }
    }

    [Fact]
    public async Task Issue14_Test_durations_make_longest_start_first_and_rerun_failed_runs_only_failures()
    {
        using var temp = new TempDirectory();
        temp.Write("tests.txt", "quick\techo quick >> order.txt\nlong\techo long >> order.txt\nbad\techo bad >> order.txt; exit 1\n");

        // Durations as a past run left them, written here: the order must not depend on how busy the machine is.
        Directory.CreateDirectory(temp.File(".fanout"));
        temp.Write(".fanout/durations.json", """{"tests":{"quick":{"duration_ms":10,"outcome":"passed"},"long":{"duration_ms":5000,"outcome":"passed"},"bad":{"duration_ms":20,"outcome":"failed"}}}""");
        await FanoutCli.RunAsync(temp.Path, ["test", "tests.txt", "-j", "1", "-q"]);

        Assert.Equal(["long", "bad", "quick"], File.ReadAllLines(temp.File("order.txt")));
        File.Delete(temp.File("order.txt"));
        var rerun = await FanoutCli.RunAsync(temp.Path, ["test", "tests.txt", "--rerun-failed", "-q"]);
        Assert.Equal(["bad"], File.ReadAllLines(temp.File("order.txt")));
        Assert.Equal(1, rerun.ExitCode);
    }

    [Fact]
    public async Task Test_fail_fast_stops_running_tests_at_once()
    {
        using var temp = new TempDirectory();
        temp.Write("tests.txt", "boom\tsleep 0.2; exit 1\nlong1\tsleep 30\nlong2\tsleep 30\nlater\tsleep 30\n");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var run = await FanoutCli.RunAsync(temp.Path, ["test", "tests.txt", "-j", "3", "--fail-fast", "--kill-grace", "1s"]);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal(1, run.ExitCode);
        Assert.DoesNotContain("later", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_template_quotes_the_line_and_numbers_it()
    {
        using var temp = new TempDirectory();
        temp.Write("names.txt", "it's one\ntwo\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["run", "--cmd", "echo {#}:{}", "names.txt", "-q", "--ordered"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("1:it's one\n2:two\n", run.Stdout);
    }

    [Fact]
    public async Task Test_empty_input_is_a_usage_error()
    {
        using var temp = new TempDirectory();
        temp.Write("tests.txt", "# nothing here\n\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["test", "tests.txt"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no tests", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_shards_split_the_tests_exactly()
    {
        using var temp = new TempDirectory();
        temp.Write("tests.txt", string.Concat(Enumerable.Range(1, 30).Select(i => $"t{i}\ttrue\n")));

        var names = new List<string>();
        for (var shard = 1; shard <= 3; shard++)
        {
            var run = await FanoutCli.RunAsync(temp.Path, ["test", "tests.txt", "--shard", $"{shard}/3", "-q", "--durations", $"d{shard}.json"]);
            Assert.True(run.ExitCode == 0, run.ToString());
            names.AddRange(run.JsonLines.Select(r => r.GetProperty("name").GetString()!));
        }

        Assert.Equal(Enumerable.Range(1, 30).Select(i => $"t{i}").Order(), names.Order());
    }
}
