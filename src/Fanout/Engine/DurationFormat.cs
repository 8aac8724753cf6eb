using System.Globalization;

namespace Fanout.Engine;

/// <summary>Durations as people read them in messages (<c>250 ms</c>, <c>1.5 s</c>) and write them in rules (<c>300ms</c>, <c>1.5s</c>).</summary>
internal static class DurationFormat
{
    /// <summary>
    /// <c>300ms</c> or <c>1.5s</c> in milliseconds (what <c>--expect latency&lt;</c> and <c>--threshold p99&lt;</c> take);
    /// <paramref name="bare"/> is the unit of a number without one, or null when a unit is required. Null when it is
    /// not such a duration (a negative one included).
    /// </summary>
    public static double? Milliseconds(string value, double? bare = null)
    {
        var (number, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 1.0)
            : value.EndsWith('s') ? (value[..^1], 1000.0)
            : (value, bare ?? double.NaN);
        return !double.IsNaN(unit) && double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0
            ? amount * unit
            : null;
    }

    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds >= 1
            ? duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s"
            : duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + " ms";
}
