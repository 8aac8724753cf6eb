using Fanout.Processes;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Processes;

public sealed class CommandTemplateTests
{
    public static TheoryData<string, string, string> Placements => new()
    {
        { "printf '%s' {}", string.Empty, string.Empty },
        { "printf '%s' \"{}\"", string.Empty, string.Empty },
        { "printf '%s' '{}'", string.Empty, string.Empty },
        { "printf '%s' \"x {} y\"", "x ", " y" },
        { "printf '%s' 'x {} y'", "x ", " y" },
        { "printf '%s' \"$(printf '%s' {})\"", string.Empty, string.Empty },
        { "printf '%s' \"$(printf '%s' \"{}\")\"", string.Empty, string.Empty },
        { "printf '%s' \"a'b{}\"", "a'b", string.Empty },
        { "printf '%s' \"q\\\"{}\"", "q\"", string.Empty },
    };

    public static TheoryData<string> Hostile =>
    [
        "$(touch pwned)",
        "`touch pwned`",
        "a'b; touch pwned",
        "a\"b; touch pwned; \"",
        "'; touch pwned; '",
        "\"; touch pwned; \"",
        "back\\slash \\$(touch pwned)",
        "* ? [a] ~ $HOME ${HOME}",
        "  leading and trailing  ",
    ];

    [Theory]
    [MemberData(nameof(Placements))]
    public void Issue15_A_hostile_line_is_data_wherever_the_template_puts_it(string template, string before, string after)
    {
        using var temp = new TempDirectory();
        var parsed = CommandTemplate.Parse(template);

        foreach (var line in Hostile)
        {
            var output = Shell(temp.Path, parsed.Expand(line, 0));

            Assert.Equal(before + line + after, output);
            Assert.False(File.Exists(temp.File("pwned")), $"{template} with {line} ran code");
        }
    }

    [Fact]
    public void Expand_numbers_lines_from_1()
    {
        Assert.Equal("echo 3 'x'", CommandTemplate.Parse("echo {#} {}").Expand("x", 2));
    }

    [Theory]
    [InlineData("echo `cat {}`", "use $(...)")]
    [InlineData("echo ${x:-{}}", "put the line in a variable first")]
    [InlineData("echo \\{}", "backslash")]
    public void Issue15_A_place_no_quoting_makes_safe_is_refused_with_a_hint(string template, string hint)
    {
        var error = Assert.Throws<FormatException>(() => CommandTemplate.Parse(template));

        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
    }

    private static string Shell(string directory, string command)
    {
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { WorkingDirectory = directory, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(10)), command);
        return output;
    }
}
