using Fanout.Cli;
using Xunit;

namespace Fanout.Tests.Cli;

public sealed class ValueParsersTests
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5", 1_500)]
    [InlineData("1h", 3_600_000)]
    public void Duration_accepts_units(string text, double milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), ValueParsers.Duration(text, "--timeout"));

    [Theory]
    [InlineData("50/s", 50)]
    [InlineData("600/m", 10)]
    [InlineData("7200/h", 2)]
    [InlineData("12.5", 12.5)]
    public void Rate_accepts_per_unit(string text, double perSecond) =>
        Assert.Equal(perSecond, ValueParsers.Rate(text, "--rate"), 6);

    [Theory]
    [InlineData("10M", 10L << 20)]
    [InlineData("512k", 512L << 10)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("100", 100)]
    public void Size_accepts_binary_units(string text, long bytes) =>
        Assert.Equal(bytes, ValueParsers.Size(text, "--max-body"));

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-1s")]
    [InlineData("5 fortnights")]
    public void Duration_rejects_nonsense_naming_the_option(string text) =>
        Assert.Contains("--timeout", Assert.Throws<UsageException>(() => ValueParsers.Duration(text, "--timeout")).Message, StringComparison.Ordinal);
}
