using Fanout.Engine;
using Xunit;

namespace Fanout.Tests.Engine;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentile_uniform_values_is_within_one_percent()
    {
        var histogram = new LatencyHistogram();
        for (var ms = 1; ms <= 1000; ms++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(ms));
        }

        Assert.InRange(histogram.Percentile(0.5).TotalMilliseconds, 500 * 0.99, 500 * 1.01);
        Assert.InRange(histogram.Percentile(0.99).TotalMilliseconds, 990 * 0.99, 990 * 1.01);
        Assert.Equal(TimeSpan.FromMilliseconds(1000), histogram.Max);
        Assert.Equal(TimeSpan.FromMilliseconds(1), histogram.Min);
        Assert.Equal(1000, histogram.Count);
    }

    [Fact]
    public void Percentile_never_exceeds_max_or_falls_below_min()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(TimeSpan.FromMilliseconds(50.2));
        Assert.Equal(TimeSpan.FromMilliseconds(50.2), histogram.Percentile(0.999));
        Assert.Equal(TimeSpan.FromMilliseconds(50.2), histogram.Percentile(0));
    }

    [Fact]
    public void Bins_counts_add_up_to_the_number_of_values()
    {
        var histogram = new LatencyHistogram();
        foreach (var ms in new[] { 1, 2, 3, 50, 51, 52, 100 })
        {
            histogram.Record(TimeSpan.FromMilliseconds(ms));
        }

        var bins = histogram.Bins(10);
        Assert.Equal(10, bins.Count);
        Assert.Equal(7, bins.Sum(b => b.Count));
        Assert.Equal(TimeSpan.FromMilliseconds(100), bins[^1].UpperEdge);
    }
}
