using Fanout.Downloads;
using Xunit;

namespace Fanout.Tests.Downloads;

public sealed class FileNamesTests
{
    [Theory]
    [InlineData("a\u0001b\tc.txt", "a_b_c.txt")]
    [InlineData("..", "download")]
    [InlineData("...hidden", "hidden")]
    [InlineData("trailing. ", "trailing")]
    [InlineData("back\\slash", "back_slash")]
    [InlineData("", "download")]
    public void Sanitize_makes_one_safe_segment(string name, string expected) =>
        Assert.Equal(expected, FileNames.Sanitize(name));

    [Fact]
    public void Sanitize_long_name_is_cut_to_200_bytes_keeping_the_extension()
    {
        var name = FileNames.Sanitize(new string('é', 300) + ".jpeg");

        Assert.EndsWith(".jpeg", name, StringComparison.Ordinal);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(name) <= 200);
    }

    [Theory]
    [InlineData("https://h.test/a/b/photo%20one.jpg?size=large", "photo one.jpg")]
    [InlineData("https://h.test/", "download")]
    [InlineData("https://h.test/dir/", "dir")]
    public void FromUrl_takes_the_decoded_last_segment_without_query(string url, string expected) =>
        Assert.Equal(expected, FileNames.FromUrl(new Uri(url)));

    [Fact]
    public void Inside_refuses_a_path_that_would_leave_the_directory() =>
        Assert.Throws<InvalidOperationException>(() => FileNames.Inside("/tmp/d", "../x"));

    [Fact]
    public void Numbered_inserts_the_number_before_the_extension() =>
        Assert.Equal("dir/name (2).tar", FileNames.Numbered("dir/name.tar", 2));
}
