using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_runs_without_arguments_and_shows_a_speedup_within_30_seconds()
    {
        using var temp = new TempDirectory();

        var run = await FanoutCli.RunAsync(temp.Path, ["demo"], limit: TimeSpan.FromSeconds(30));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("http", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("speedup", run.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\d+\.\dx", run.Stdout);
    }
}
