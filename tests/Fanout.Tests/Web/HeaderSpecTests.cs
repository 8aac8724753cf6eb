using Fanout.Web;
using Xunit;

namespace Fanout.Tests.Web;

public sealed class HeaderSpecTests
{
    private static readonly Func<string, string?> Environment = name => name switch
    {
        "API_CLIENT_ID" => "abc123",
        "EMPTY" => string.Empty,
        _ => null,
    };

    [Theory]
    [InlineData("Authorization: Client-ID $API_CLIENT_ID", "Authorization", "Client-ID abc123", true)]
    [InlineData("Authorization: Client-ID ${API_CLIENT_ID}x", "Authorization", "Client-ID abc123x", true)]
    [InlineData("X-Api-Key: $API_CLIENT_ID", "X-Api-Key", "abc123", true)]
    [InlineData("Cookie: plain=1", "Cookie", "plain=1", true)]
    [InlineData("X-Price: $$5", "X-Price", "$5", true)]
    [InlineData("X-Empty: [$EMPTY]", "X-Empty", "[]", true)]
    [InlineData("X-Odd:   spaced value  ", "X-Odd", "spaced value", false)]
    [InlineData("X-Dollar: costs $ 5", "X-Dollar", "costs $ 5", false)]
    public void Parse_expands_environment_variables_and_marks_what_came_from_them_secret(string text, string name, string value, bool secret) =>
        Assert.Equal(new RequestHeader(name, value, secret), HeaderSpec.Parse(text, Environment));

    [Theory]
    [InlineData("X-A: v\r\nContent-Length: 0")]
    [InlineData("X-A: v\nGET /smuggled HTTP/1.1")]
    [InlineData("X-A: v\u0000tail")]
    [InlineData("X-A: $INJECT")]
    public void Issue15_Parse_refuses_line_breaks_and_nul_in_a_value_even_from_the_environment(string escaped)
    {
        var text = System.Text.RegularExpressions.Regex.Unescape(escaped);

        var error = Assert.Throws<FormatException>(() => HeaderSpec.Parse(text, name => name == "INJECT" ? "v\r\nX-Injected: 1" : null));

        Assert.Contains("line break (CR or LF) or NUL", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Injected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_unset_variable_names_it_without_any_value()
    {
        var error = Assert.Throws<FormatException>(() => HeaderSpec.Parse("Authorization: Bearer $API_TOKEN", Environment));

        Assert.Equal("environment variable API_TOKEN is not set", error.Message);
    }

    [Theory]
    [InlineData("no colon here")]
    [InlineData(": value")]
    [InlineData("Bad Name: value")]
    public void Parse_malformed_header_is_rejected(string text) =>
        Assert.Throws<FormatException>(() => HeaderSpec.Parse(text, Environment));
}
