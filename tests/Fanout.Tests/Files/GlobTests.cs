using Fanout.Files;
using Xunit;

namespace Fanout.Tests.Files;

public sealed class GlobTests
{
    [Theory]
    [InlineData("*.log", "a.log", true)]
    [InlineData("*.log", "dir/a.log", false)]
    [InlineData("**/*.log", "a.log", true)]
    [InlineData("**/*.log", "x/y/z/a.log", true)]
    [InlineData("logs/**", "logs/a/b", true)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "a/c", false)]
    [InlineData("[!a]*", "abc", false)]
    [InlineData("[a-c]x", "bx", true)]
    [InlineData("file.(1).txt", "file.(1).txt", true)]
    [InlineData("\\*.log", "*.log", true)]
    [InlineData("\\*.log", "a.log", false)]
    [InlineData("[^a]*", "abc", false)]
    [InlineData("[^a]*", "bc", true)]
    public void IsMatch_follows_shell_rules(string pattern, string path, bool expected) =>
        Assert.Equal(expected, Glob.Parse(pattern).IsMatch(path));
}
