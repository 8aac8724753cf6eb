using Fanout.Http;
using Fanout.Records;
using Xunit;

namespace Fanout.Tests.Http;

public sealed class HttpInputTests
{
    private static readonly Func<string, string?> Environment = name => name == "API_TOKEN" ? "s3cret" : null;

    private static HttpItem Parse(string text, long line = 3) =>
        HttpInput.Parse(new InputLine("urls.txt", line, text), new HttpOptions(), Environment)!;

    [Fact]
    public void Parse_plain_url_uses_the_job_method()
    {
        var item = HttpInput.Parse(new InputLine("in", 1, "https://api.test/a?b=1"), new HttpOptions { Method = "HEAD" }, Environment)!;

        Assert.Equal("HEAD", item.Method);
        Assert.Equal("https://api.test/a?b=1", item.Url.OriginalString);
        Assert.Equal("in:1", item.Location);
    }

    [Fact]
    public void Parse_jsonl_spec_reads_every_field_and_expands_header_variables()
    {
        var item = Parse("""{"method":"post","url":"http://api.test/x","headers":{"Authorization":"Bearer $API_TOKEN"},"body":{"a":[1]},"key":"job-1"}""");

        Assert.Equal("POST", item.Method);
        Assert.Equal("job-1", item.Key);
        Assert.Equal("{\"a\":[1]}", item.Body);
        Assert.Equal(new Fanout.Web.RequestHeader("Authorization", "Bearer s3cret", Secret: true), Assert.Single(item.Headers));
    }

    [Theory]
    [InlineData("not a url", "urls.txt:7: 'not a url' is not a URL (it contains whitespace)")]
    [InlineData("ftp://host/file", "urls.txt:7: 'ftp://host/file' is not an http or https URL")]
    [InlineData("/relative/path", "urls.txt:7: '/relative/path' is not an absolute URL")]
    [InlineData("{\"url\": 5}", "urls.txt:7: \"url\" must be a string")]
    [InlineData("{\"method\":\"GET\"}", "urls.txt:7: missing \"url\"")]
    [InlineData("{\"url\":\"http://a.test/\",\"headers\":{\"X\":\"$NOPE\"}}", "urls.txt:7: environment variable NOPE is not set")]
    public void Parse_bad_line_reports_file_line_and_reason(string text, string expected)
    {
        var error = Assert.Throws<InputFormatException>(() => Parse(text, line: 7));

        Assert.Equal(expected, error.Message);
        Assert.Equal("urls.txt:7", error.Location);
    }

    [Fact]
    public void Parse_invalid_json_names_the_column()
    {
        var error = Assert.Throws<InputFormatException>(() => Parse("{\"url\": oops}"));

        Assert.StartsWith("urls.txt:3: invalid JSON at column 9", error.Message, StringComparison.Ordinal);
    }
}
