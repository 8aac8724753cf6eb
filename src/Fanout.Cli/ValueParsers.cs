using System.Globalization;

namespace Fanout.Cli;

/// <summary>Parses the human forms of durations, rates and sizes that options accept.</summary>
internal static class ValueParsers
{
    /// <summary>
    /// A file fanout is to write (results, stats, a report), checked before any work starts, so a run's results are
    /// never lost at its end for a bad name: not a directory, and not under a file. Missing directories are created
    /// when it is written.
    /// </summary>
    public static string? OutputFile(string? path, string option)
    {
        if (path is null)
        {
            return null;
        }

        if (path.Length == 0 || Directory.Exists(path) || path.EndsWith('/'))
        {
            throw new UsageException($"{option}: '{path}' is a directory; give the name of a file to write");
        }

        for (var directory = Path.GetDirectoryName(Path.GetFullPath(path)); directory is not null && !Directory.Exists(directory); directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(directory))
            {
                throw new UsageException($"{option}: cannot write '{path}': '{directory}' is a file, not a directory");
            }
        }

        return path;
    }

    /// <summary><c>30s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>, or a plain number of seconds.</summary>
    public static TimeSpan Duration(string text, string option)
    {
        var (number, unit) = Split(text);
        if (number is { } value && value >= 0)
        {
            double? seconds = unit switch
            {
                "" or "s" or "sec" => value,
                "ms" => value / 1000,
                "m" or "min" => value * 60,
                "h" => value * 3600,
                _ => null,
            };
            if (seconds is { } s)
            {
                return TimeSpan.FromSeconds(s);
            }
        }

        throw new UsageException($"{option}: '{text}' is not a duration (examples: 30s, 500ms, 2m)");
    }

    /// <summary>A duration as options take it: <c>30s</c>, <c>500ms</c>, <c>2m</c>.</summary>
    public static string Show(TimeSpan duration) =>
        duration.TotalMinutes >= 1 && duration.TotalMinutes == Math.Floor(duration.TotalMinutes) ? duration.TotalMinutes.ToString("0", CultureInfo.InvariantCulture) + "m"
        : duration.TotalSeconds >= 1 ? duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s"
        : duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";

    /// <summary><c>50/s</c>, <c>600/m</c>, <c>3600/h</c>, or a plain number per second.</summary>
    public static double Rate(string text, string option)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var numberText = slash < 0 ? text : text[..slash];
        var per = slash < 0 ? "s" : text[(slash + 1)..].Trim().ToLowerInvariant();
        if (double.TryParse(numberText, NumberStyles.Float, CultureInfo.InvariantCulture, out var count) && count > 0 && double.IsFinite(count))
        {
            double? perSecond = per switch
            {
                "s" or "sec" or "second" => count,
                "m" or "min" or "minute" => count / 60,
                "h" or "hour" => count / 3600,
                _ => null,
            };
            if (perSecond is { } rate)
            {
                return rate;
            }
        }

        throw new UsageException($"{option}: '{text}' is not a rate (examples: 50/s, 600/m)");
    }

    /// <summary><c>10M</c>, <c>512K</c>, <c>1G</c> (powers of 1024), <c>100KB</c>, or a plain number of bytes.</summary>
    public static long Size(string text, string option)
    {
        var (number, unit) = Split(text);
        if (number is { } value && value >= 0)
        {
            long? multiplier = unit.TrimEnd('b', 'i') switch
            {
                "" => 1,
                "k" => 1L << 10,
                "m" => 1L << 20,
                "g" => 1L << 30,
                "t" => 1L << 40,
                _ => null,
            };
            if (multiplier is { } m && value * m < long.MaxValue)
            {
                return (long)(value * m);
            }
        }

        throw new UsageException($"{option}: '{text}' is not a size (examples: 10M, 512K, 1G)");
    }

    private static (double? Number, string Unit) Split(string text)
    {
        var trimmed = text.Trim().ToLowerInvariant();
        var end = 0;
        while (end < trimmed.Length && (char.IsAsciiDigit(trimmed[end]) || trimmed[end] == '.'))
        {
            end++;
        }

        return double.TryParse(trimmed.AsSpan(0, end), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? (number, trimmed[end..].Trim())
            : (null, string.Empty);
    }
}
