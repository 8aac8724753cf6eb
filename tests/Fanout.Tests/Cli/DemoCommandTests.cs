using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_runs_without_arguments_and_shows_a_speedup_within_30_seconds()
    {
        using var temp = new TempDirectory();
        using var tmp = new TempDirectory();

        // A color terminal's TERM, and no NO_COLOR: the output still goes to a pipe, so no escape codes.
        var run = await FanoutCli.RunAsync(temp.Path, ["demo"], environment: new Dictionary<string, string> { ["NO_COLOR"] = string.Empty, ["TERM"] = "xterm-256color", ["TMPDIR"] = tmp.Path }, limit: TimeSpan.FromSeconds(30));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain('\u001b', run.Stdout + run.Stderr);
        Assert.Contains("http", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("speedup", run.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\d+\.\dx", run.Stdout);
        // It writes its -j auto run's report into a new directory of its own under the temp directory, nothing where it ran.
        var report = System.Text.RegularExpressions.Regex.Match(run.Stdout, @"^  (/\S+/report\.html)$", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(report.Success, run.Stdout);
        Assert.StartsWith(Path.Combine(tmp.Path, "fanout-demo-"), report.Groups[1].Value, StringComparison.Ordinal);
        // Its data holds the limit's history (the line the report draws for -j auto).
        Assert.Contains("\"limit\":[[", File.ReadAllText(report.Groups[1].Value), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }
}
