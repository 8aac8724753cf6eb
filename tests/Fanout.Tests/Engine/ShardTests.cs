using Fanout.Engine;
using Xunit;

namespace Fanout.Tests.Engine;

public sealed class ShardTests
{
    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("2/4", 2, 4)]
    [InlineData("10/10", 10, 10)]
    public void Parse_valid_text_gives_number_and_count(string text, int number, int count) =>
        Assert.Equal(new Shard(number, count), Shard.Parse(text));

    [Theory]
    [InlineData("0/4")]
    [InlineData("5/4")]
    [InlineData("2")]
    [InlineData("a/b")]
    [InlineData("-1/4")]
    [InlineData("1/0")]
    public void Parse_invalid_text_is_rejected(string text) =>
        Assert.Throws<FormatException>(() => Shard.Parse(text));

    [Fact]
    public void Contains_each_key_belongs_to_exactly_one_shard()
    {
        for (var i = 0; i < 5000; i++)
        {
            var key = $"tests/case_{i}.sh";
            Assert.Equal(1, Enumerable.Range(1, 7).Count(n => new Shard(n, 7).Contains(key)));
        }
    }

    [Fact]
    public void StableHash_is_fixed_across_processes_and_versions() =>
        // FNV-1a 64 folded, computed independently; a changed hash would silently move items between CI machines.
        Assert.Equal(2518562058185245763UL, Shard.StableHash("https://example.test/a"));
}
