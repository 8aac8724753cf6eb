using Fanout.Engine;
using Xunit;

namespace Fanout.Tests.Engine;

public sealed class RetryLoopTests
{
    [Theory]
    [InlineData(0, 200)]
    [InlineData(1, 400)]
    [InlineData(3, 1600)]
    public void Backoff_doubles_per_retry_within_jitter(int retry, double expectedMs)
    {
        var options = new WorkPoolOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(200) };
        for (var i = 0; i < 200; i++)
        {
            Assert.InRange(RetryLoop.Backoff(options, retry).TotalMilliseconds, expectedMs * 0.75, expectedMs * 1.25);
        }
    }

    [Fact]
    public void Backoff_never_exceeds_the_maximum_delay()
    {
        var options = new WorkPoolOptions { RetryBaseDelay = TimeSpan.FromSeconds(1), RetryMaxDelay = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < 200; i++)
        {
            Assert.InRange(RetryLoop.Backoff(options, 20), TimeSpan.FromSeconds(3.75), TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public void Backoff_spreads_items_that_failed_together()
    {
        var options = new WorkPoolOptions();
        var delays = Enumerable.Range(0, 50).Select(_ => RetryLoop.Backoff(options, 2)).Distinct().Count();
        Assert.True(delays > 40, $"only {delays} distinct delays out of 50");
    }
}
