using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_runs_without_arguments_and_shows_a_speedup_within_30_seconds()
    {
        using var temp = new TempDirectory();

        // A color terminal's TERM, and no NO_COLOR: the output still goes to a pipe, so no escape codes.
        var run = await FanoutCli.RunAsync(temp.Path, ["demo"], environment: new Dictionary<string, string> { ["NO_COLOR"] = string.Empty, ["TERM"] = "xterm-256color" }, limit: TimeSpan.FromSeconds(30));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain('\u001b', run.Stdout + run.Stderr);
        Assert.Contains("http", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("speedup", run.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\d+\.\dx", run.Stdout);
    }
}
