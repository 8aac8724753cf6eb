using System.Globalization;
using System.Text.Json;
using Fanout.Engine;

namespace Fanout.Cli.Console;

/// <summary>
/// The end-of-run summary, as text on stderr and as JSON for <c>--stats</c>: counts, errors,
/// latency percentiles with a small histogram, throughput and the speedup over a sequential run.
/// </summary>
internal static class SummaryPrinter
{
    private const int HistogramBins = 10;
    private const int HistogramWidth = 40;
    private static readonly (string Label, double Quantile)[] Percentiles = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)];

    /// <summary>The summary's first lines for a job whose items are what it counts: how many, how fast, with what outcome.</summary>
    public static IEnumerable<string> Headline(string noun, int concurrency, WorkStats stats, bool interrupted)
    {
        var c = CultureInfo.InvariantCulture;
        yield return string.Create(c, $"Summary{(interrupted ? " (interrupted)" : string.Empty)}: {stats.Completed} {noun} in {Format(stats.WallTime)}, {stats.Throughput:0.##}/s at -j {concurrency}");
        yield return string.Create(c, $"  ok {stats.Succeeded}, failed {stats.Failed}{(stats.Cancelled > 0 ? $", cancelled {stats.Cancelled}" : string.Empty)}{(stats.InvalidInputs > 0 ? $", invalid input lines {stats.InvalidInputs}" : string.Empty)}, retried {stats.Retried} ({stats.Attempts} attempts)");
    }

    public static void Print(TextWriter writer, IEnumerable<string> headline, WorkStats stats, IReadOnlyList<SummarySection> sections, bool showTimings)
    {
        var c = CultureInfo.InvariantCulture;
        writer.WriteLine();
        foreach (var line in headline)
        {
            writer.WriteLine(line);
        }

        if (showTimings && stats.Completed > 0)
        {
            writer.WriteLine(string.Create(c, $"  speedup {stats.Speedup:0.0}x over sequential (sum of item times {Format(stats.SumOfRunTimes)})"));
        }

        foreach (var section in sections.Where(s => s.Rows.Count > 0 && !s.Hidden))
        {
            writer.WriteLine(section.Title + ":");
            var width = section.Rows.Max(r => r.Key.Length);
            foreach (var (label, count) in section.Rows)
            {
                writer.WriteLine(section.ShowCounts ? string.Create(c, $"  {label.PadRight(width)}  {count}") : "  " + label);
            }

            if (section.Omitted > 0)
            {
                writer.WriteLine(string.Create(c, $"  … and {section.Omitted} more"));
            }
        }

        if (!showTimings || stats.Completed == 0)
        {
            return;
        }

        var (percentiles, bins) = stats.ReadLatency(h => (
            Percentiles.Select(p => (p.Label, h.Percentile(p.Quantile))).Append(("max", h.Max)).ToList(),
            h.Bins(HistogramBins)));
        writer.WriteLine("Latency: " + string.Join("  ", percentiles.Select(p => $"{p.Item1} {Format(p.Item2)}")));
        var most = bins.Max(b => b.Count);
        foreach (var (edge, count) in bins)
        {
            var bar = most == 0 ? 0 : (int)Math.Round(count * (double)HistogramWidth / most);
            writer.WriteLine(string.Create(c, $"  {Format(edge),10} [{count,7}] {new string('■', bar)}"));
        }
    }

    public static async Task WriteJsonAsync(string path, string job, int concurrency, WorkStats stats, IReadOnlyList<SummarySection> sections, bool interrupted, CancellationToken cancellationToken)
    {
        var file = Records.AtomicFile.Create(path);
        await using (file)
        {
            await using (var json = new Utf8JsonWriter(file.Stream, new JsonWriterOptions { Indented = true }))
            {
                json.WriteStartObject();
                json.WriteString("job", job);
                json.WriteBoolean("interrupted", interrupted);
                json.WriteNumber("concurrency", concurrency);
                json.WriteNumber("completed", stats.Completed);
                json.WriteNumber("succeeded", stats.Succeeded);
                json.WriteNumber("failed", stats.Failed);
                json.WriteNumber("cancelled", stats.Cancelled);
                json.WriteNumber("invalid_inputs", stats.InvalidInputs);
                json.WriteNumber("retried", stats.Retried);
                json.WriteNumber("attempts", stats.Attempts);
                json.WriteNumber("wall_ms", Math.Round(stats.WallTime.TotalMilliseconds, 3));
                json.WriteNumber("sum_of_item_ms", Math.Round(stats.SumOfRunTimes.TotalMilliseconds, 3));
                json.WriteNumber("speedup", Math.Round(stats.Speedup, 3));
                json.WriteNumber("per_second", Math.Round(stats.Throughput, 3));
                json.WriteStartObject("latency_ms");
                stats.ReadLatency(h =>
                {
                    json.WriteNumber("min", Math.Round((h.Count == 0 ? TimeSpan.Zero : h.Min).TotalMilliseconds, 3));
                    json.WriteNumber("mean", Math.Round(h.Mean.TotalMilliseconds, 3));
                    foreach (var (label, quantile) in Percentiles)
                    {
                        json.WriteNumber(label, Math.Round(h.Percentile(quantile).TotalMilliseconds, 3));
                    }

                    json.WriteNumber("max", Math.Round(h.Max.TotalMilliseconds, 3));
                    return 0;
                });
                json.WriteEndObject();
                json.WriteStartObject("errors_by_kind");
                foreach (var (kind, count) in stats.ErrorsByKind)
                {
                    json.WriteNumber(kind, count);
                }

                json.WriteEndObject();
                foreach (var section in sections)
                {
                    json.WriteStartObject(section.JsonName);
                    foreach (var (label, count) in section.Rows)
                    {
                        json.WriteNumber(label, count);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndObject();
            }

            await file.CommitAsync(cancellationToken);
        }
    }

    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds >= 10 ? duration.TotalSeconds.ToString("0.0 s", CultureInfo.InvariantCulture)
        : duration.TotalSeconds >= 1 ? duration.TotalSeconds.ToString("0.00 s", CultureInfo.InvariantCulture)
        : duration.TotalMilliseconds >= 10 ? duration.TotalMilliseconds.ToString("0.0 ms", CultureInfo.InvariantCulture)
        : duration.TotalMilliseconds.ToString("0.00 ms", CultureInfo.InvariantCulture);
}
