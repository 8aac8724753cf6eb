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

    [Fact]
    public void Write_keeps_the_last_bytes_while_growing_past_its_first_size()
    {
        var random = new Random(5);
        var buffer = new TailBuffer(10_000);
        var all = new List<byte>();
        for (var i = 0; i < 60; i++)
        {
            var write = new byte[random.Next(0, 3000)];
            random.NextBytes(write);
            for (var b = 0; b < write.Length; b++)
            {
                write[b] = (byte)('a' + (write[b] % 26));
            }

            buffer.Write(write);
            all.AddRange(write);
            var expected = all.Skip(Math.Max(0, all.Count - 10_000)).ToArray();
            Assert.Equal(Encoding.UTF8.GetString(expected), buffer.Text());
            Assert.Equal(all.Count > 10_000, buffer.Truncated);
        }
    }
}
