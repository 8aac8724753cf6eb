using Fanout.Records;
using Xunit;

namespace Fanout.Tests.Records;

public sealed class TextValueTests
{
    [Theory]
    [InlineData("42", "Integer")]
    [InlineData("-7", "Integer")]
    [InlineData("+5", "Integer")]
    [InlineData("0", "Integer")]
    [InlineData("007", "Text")]
    [InlineData("-05", "Text")]
    [InlineData("9223372036854775807", "Integer")]
    [InlineData("9223372036854775808", "Text")]
    [InlineData("0.5", "Real")]
    [InlineData("1.50", "Real")]
    [InlineData("2e3", "Real")]
    [InlineData("1e999", "Text")]
    [InlineData("00.5", "Text")]
    [InlineData("true", "Boolean")]
    [InlineData("False", "Boolean")]
    [InlineData("NaN", "Text")]
    [InlineData("١٢", "Text")]
    [InlineData("12 ", "Text")]
    [InlineData("x", "Text")]
    public void Classify_is_the_one_rule_for_csv_cells_and_extracted_groups(string text, string expected) =>
        Assert.Equal(expected, TextValue.Classify(text, out _, out _, out _).ToString());
}
