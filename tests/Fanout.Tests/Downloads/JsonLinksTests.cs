using System.Text.Json;
using Fanout.Downloads;
using Xunit;

namespace Fanout.Tests.Downloads;

public sealed class JsonLinksTests
{
    private static readonly JsonElement Gallery = JsonDocument.Parse("""
        {"data": [
          {"type": "image/jpeg", "nsfw": false, "link": "a.jpg", "images": [{"link": "a1.jpg"}, {"link": "a2.jpg"}]},
          {"type": "video/mp4", "nsfw": false, "link": "b.mp4"},
          {"type": "image/png", "nsfw": true, "link": "c.png", "size": 10},
          {"type": "image/png", "link": null}
        ]}
        """).RootElement;

    [Theory]
    [InlineData("data[].link", new string[0], new[] { "a.jpg", "b.mp4", "c.png" })]
    [InlineData("data[].link", new[] { "type in image/jpeg,image/png" }, new[] { "a.jpg", "c.png" })]
    [InlineData("data[].link", new[] { "type in image/jpeg,image/png", "nsfw=false" }, new[] { "a.jpg" })]
    [InlineData("data[].link", new[] { "type!=video/mp4" }, new[] { "a.jpg", "c.png" })]
    [InlineData("data[].link", new[] { "size=10" }, new[] { "c.png" })]
    [InlineData("data[].images[].link", new string[0], new[] { "a1.jpg", "a2.jpg" })]
    [InlineData("missing[].link", new string[0], new string[0])]
    public void Select_follows_the_path_and_filters_on_sibling_fields(string path, string[] conditions, string[] expected) =>
        Assert.Equal(expected, JsonLinks.Select(Gallery, path, conditions));

    [Theory]
    [InlineData("data..link", new string[0])]
    [InlineData("data[].link", new[] { "type ~ image" })]
    public void Select_malformed_path_or_condition_is_rejected(string path, string[] conditions) =>
        Assert.Throws<FormatException>(() => JsonLinks.Select(Gallery, path, conditions));
}
