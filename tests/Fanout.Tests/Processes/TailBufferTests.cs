using System.Text;
using Fanout.Processes;
using Xunit;

namespace Fanout.Tests.Processes;

public sealed class TailBufferTests
{
    [Theory]
    [InlineData(new[] { "abc" }, 5, "abc", false)]
    [InlineData(new[] { "abc", "def" }, 5, "bcdef", true)]
    [InlineData(new[] { "abcdefgh" }, 5, "defgh", true)]
    [InlineData(new[] { "ab", "abcdefgh", "xy" }, 5, "fghxy", true)]
    [InlineData(new[] { "abcde" }, 5, "abcde", false)]
    public void Write_keeps_the_last_bytes(string[] writes, int capacity, string expected, bool truncated)
    {
        var buffer = new TailBuffer(capacity);
        foreach (var write in writes)
        {
            buffer.Write(Encoding.UTF8.GetBytes(write));
        }

        Assert.Equal(expected, buffer.Text());
        Assert.Equal(truncated, buffer.Truncated);
    }
}
