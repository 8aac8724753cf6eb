using System.Threading.RateLimiting;

namespace Fanout.Downloads;

/// <summary>An overall bytes-per-second limit shared by every download (<c>--limit-rate</c>), refilled ten times a second.</summary>
internal sealed class ByteRateLimiter : IDisposable
{
    private readonly TokenBucketRateLimiter _bucket;

    public ByteRateLimiter(long bytesPerSecond)
    {
        var perTick = (int)Math.Clamp(bytesPerSecond / 10, 1, int.MaxValue);
        ChunkLimit = perTick;
        _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perTick,
            TokensPerPeriod = perTick,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    /// <summary>The most bytes one read may ask for (a bucket's worth).</summary>
    public int ChunkLimit { get; }

    public async ValueTask WaitAsync(int bytes, CancellationToken cancellationToken)
    {
        using var lease = await _bucket.AcquireAsync(Math.Min(bytes, ChunkLimit), cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _bucket.Dispose();
}
