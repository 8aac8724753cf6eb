using Fanout.Engine;
using Xunit;

namespace Fanout.Tests.Engine;

public sealed class RetryLoopTests
{
    /// <summary>A random source that returns the given values in turn, so the jitter is exact.</summary>
    private sealed class FixedRandom(params double[] values) : Random
    {
        private int _next;

        public override double NextDouble() => values[_next++ % values.Length];
    }

    [Theory]
    [InlineData(0, 0.5, 200)]
    [InlineData(1, 0.5, 400)]
    [InlineData(3, 0.5, 1600)]
    [InlineData(1, 0.0, 300)]
    [InlineData(1, 1.0, 500)]
    public void Backoff_doubles_per_retry_and_jitters_by_a_quarter_either_way(int retry, double random, double expectedMs)
    {
        var options = new WorkPoolOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(200), Random = new FixedRandom(random) };

        Assert.Equal(expectedMs, RetryLoop.Backoff(options, retry).TotalMilliseconds, precision: 6);
    }

    [Fact]
    public void Backoff_never_exceeds_the_maximum_delay()
    {
        var options = new WorkPoolOptions { RetryBaseDelay = TimeSpan.FromSeconds(1), RetryMaxDelay = TimeSpan.FromSeconds(5), Random = new FixedRandom(0.0, 1.0) };

        Assert.Equal(TimeSpan.FromSeconds(3.75), RetryLoop.Backoff(options, 20));
        Assert.Equal(TimeSpan.FromSeconds(5), RetryLoop.Backoff(options, 20));
    }

    [Fact]
    public void Backoff_spreads_items_that_failed_together()
    {
        var options = new WorkPoolOptions { Random = new FixedRandom(0.1, 0.4, 0.9) };

        Assert.Equal([640.0, 760.0, 960.0], Enumerable.Range(0, 3).Select(_ => Math.Round(RetryLoop.Backoff(options, 2).TotalMilliseconds, 6)));
    }
}
