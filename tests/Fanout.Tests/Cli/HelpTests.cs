using System.Text.RegularExpressions;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

public sealed class HelpTests
{
    [Theory]
    [InlineData("http")]
    [InlineData("download")]
    [InlineData("read")]
    [InlineData("test")]
    [InlineData("run")]
    [InlineData("insert")]
    [InlineData("demo")]
    public async Task Help_shows_each_default_once_and_exits_0(string command)
    {
        using var temp = new TempDirectory();

        var run = await FanoutCli.RunAsync(temp.Path, [command, "--help"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Usage:", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex(@"\[default: [^\]]*\]\s*\[default:"), run.Stdout);
    }
}
