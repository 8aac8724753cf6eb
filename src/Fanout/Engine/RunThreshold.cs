using System.Globalization;

namespace Fanout.Engine;

/// <summary>
/// A pass/fail rule on a whole run (<c>--threshold</c>, as k6's thresholds): <c>p99&lt;300ms</c> (also p50, p90, p95,
/// max, mean), <c>errors&lt;1%</c> or <c>errors&lt;=3</c> (failed items, a share or a count), <c>rate&gt;100/s</c>
/// (items finished per second of wall time). Operators <c>&lt; &lt;= &gt; &gt;=</c>.
/// </summary>
public sealed class RunThreshold
{
    private readonly Func<WorkStats, double> _measure;
    private readonly Func<double, string> _format;
    private readonly string _op;
    private readonly double _limit;

    private RunThreshold(string text, Func<WorkStats, double> measure, string op, double limit, Func<double, string> format)
    {
        Text = text;
        _measure = measure;
        _op = op;
        _limit = limit;
        _format = format;
    }

    /// <summary>The rule as written.</summary>
    public string Text { get; }

    /// <summary>Reads a rule.</summary>
    /// <param name="text">The rule, e.g. <c>p99&lt;300ms</c>.</param>
    /// <returns>It.</returns>
    /// <exception cref="FormatException">Not one of the forms.</exception>
    public static RunThreshold Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Replace(" ", string.Empty, StringComparison.Ordinal);
        var at = trimmed.IndexOfAny(['<', '>']);
        if (at <= 0)
        {
            throw new FormatException($"'{text}' is not a threshold (p99<300ms, errors<1%, rate>100/s)");
        }

        var name = trimmed[..at].ToLowerInvariant();
        var op = trimmed.Length > at + 1 && trimmed[at + 1] == '=' ? trimmed.Substring(at, 2) : trimmed.Substring(at, 1);
        var value = trimmed[(at + op.Length)..];
        static string Ms(double ms) => ms >= 1000 ? (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s" : ms.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
        switch (name)
        {
            case "p50" or "p90" or "p95" or "p99" or "max" or "mean":
                var quantile = name switch { "p50" => 0.50, "p90" => 0.90, "p95" => 0.95, "p99" => 0.99, _ => 1.0 };
                var limit = Milliseconds(value, text);
                return new RunThreshold(trimmed, stats => stats.ReadLatency(h => name == "mean" ? h.Mean : name == "max" ? h.Max : h.Percentile(quantile)).TotalMilliseconds, op, limit, Ms);
            case "errors":
                if (value.EndsWith('%'))
                {
                    var share = Number(value[..^1], text);
                    return new RunThreshold(trimmed, stats => stats.Completed == 0 ? 0 : 100.0 * stats.Failed / stats.Completed, op, share, v => v.ToString("0.##", CultureInfo.InvariantCulture) + "%");
                }

                return new RunThreshold(trimmed, stats => stats.Failed, op, Number(value, text), v => v.ToString("0", CultureInfo.InvariantCulture));
            case "rate":
                var rate = value.EndsWith("/s", StringComparison.Ordinal) ? Number(value[..^2], text)
                    : value.EndsWith("/m", StringComparison.Ordinal) ? Number(value[..^2], text) / 60
                    : throw new FormatException($"'{text}': a rate is N/s or N/m (rate>100/s)");
                return new RunThreshold(trimmed, stats => stats.Throughput, op, rate, v => v.ToString("0.#", CultureInfo.InvariantCulture) + "/s");
            default:
                throw new FormatException($"'{text}': '{name}' is not a measure (p50, p90, p95, p99, max, mean, errors, rate)");
        }
    }

    /// <summary>Checks the run.</summary>
    /// <param name="stats">The run's figures.</param>
    /// <returns>Whether it passed and the value seen, formatted.</returns>
    public (bool Passed, string Seen) Evaluate(WorkStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var seen = _measure(stats);
        return (Comparison.Holds(seen, _op, _limit), _format(seen));
    }

    private static double Number(string value, string text) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number >= 0
            ? number
            : throw new FormatException($"'{text}': '{value}' is not a number");

    private static double Milliseconds(string value, string text) =>
        DurationFormat.Milliseconds(value)
        ?? throw new FormatException(!value.EndsWith('s') ? $"'{text}': '{value}' needs a unit (300ms, 1.5s)"
            : $"'{text}': '{(value.EndsWith("ms", StringComparison.Ordinal) ? value[..^2] : value[..^1])}' is not a number");
}
