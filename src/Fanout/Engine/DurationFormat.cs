using System.Globalization;

namespace Fanout.Engine;

/// <summary>Durations as people read them in messages: <c>250 ms</c>, <c>1.5 s</c>.</summary>
internal static class DurationFormat
{
    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds >= 1
            ? duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s"
            : duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + " ms";
}
