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
    [InlineData("Authorization: Client-ID $API_CLIENT_ID", "Authorization", "Client-ID abc123")]
    [InlineData("Authorization: Client-ID ${API_CLIENT_ID}x", "Authorization", "Client-ID abc123x")]
    [InlineData("X-Price: $$5", "X-Price", "$5")]
    [InlineData("X-Empty: [$EMPTY]", "X-Empty", "[]")]
    [InlineData("X-Odd:   spaced value  ", "X-Odd", "spaced value")]
    [InlineData("X-Dollar: costs $ 5", "X-Dollar", "costs $ 5")]
    public void Parse_expands_environment_variables(string text, string name, string value) =>
        Assert.Equal(new KeyValuePair<string, string>(name, value), HeaderSpec.Parse(text, Environment));

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
