namespace Fanout.Tests.Support;

/// <summary>Waits, boundedly, for something another thread will do.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(10);

    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? DefaultLimit);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"gave up waiting for: {what}");
            }

            await Task.Delay(5);
        }
    }
}
