using System.Globalization;
using System.Text.Json;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Cli.Console;

/// <summary>
/// The end-of-run summary, as text on stderr and as JSON for <c>--stats</c> (one schema for every job: docs/STATS.md):
/// counts, throughput, the job's own sections, and where they mean something, latency percentiles and the speedup
/// over a sequential run.
/// </summary>
internal static class SummaryPrinter
{
    /// <summary>The version of the <c>--stats</c> schema; raised when a key changes meaning or goes.</summary>
    public const int StatsSchema = 1;

    private const int HistogramBins = 10;
    private const int HistogramWidth = 40;

    // Fewer samples than this make a histogram of noise.
    private const int LeastHistogramSamples = 20;
    private static readonly (string Label, string JsonName, double Quantile)[] Percentiles = [("p50", "p50", 0.5), ("p90", "p90", 0.9), ("p99", "p99", 0.99), ("p99.9", "p99_9", 0.999)];

    /// <summary>The summary's first lines for a job whose items are what it counts: how many, how fast, with what outcome.</summary>
    /// <summary>How the summary names the concurrency: the number, or <c>auto</c> with the limit it settled at.</summary>
    public static string ConcurrencyLabel(WorkPoolOptions pool) =>
        pool.Auto is { } auto ? string.Create(CultureInfo.InvariantCulture, $"auto (settled at {auto.CurrentTotal})") : pool.Concurrency.ToString(CultureInfo.InvariantCulture);

    public static IEnumerable<string> Headline(string noun, string concurrency, WorkStats stats, bool interrupted)
    {
        var c = CultureInfo.InvariantCulture;
        yield return string.Create(c, $"Summary{(interrupted ? " (interrupted)" : string.Empty)}: {stats.Completed} {noun} in {Format(stats.WallTime)}, {stats.Throughput:0.##}/s at -j {concurrency}");
        yield return "  " + string.Join(", ", Counts(stats).Select(p => string.Create(c, $"{p.Key} {p.Value}"))) + (stats.Retried > 0 ? string.Create(c, $"; retried {stats.Retried} ({stats.Attempts} attempts)") : string.Empty);
    }

    /// <summary>The outcome counts worth saying: ok and failed always, the rest when not zero.</summary>
    public static IEnumerable<KeyValuePair<string, long>> Counts(WorkStats stats)
    {
        yield return new("ok", stats.Succeeded - stats.Skipped);
        if (stats.Skipped > 0)
        {
            yield return new("skipped", stats.Skipped);
        }

        yield return new("failed", stats.Failed);
        foreach (var (label, count) in new[] { ("cancelled", stats.Cancelled), ("not started", stats.NotStarted), ("invalid input lines", stats.InvalidInputs) })
        {
            if (count > 0)
            {
                yield return new(label, count);
            }
        }
    }

    /// <param name="showSpeedup">Whether the sum of item times over the wall time means something (not for CPU-bound work, nor under a rate).</param>
    /// <param name="showLatency">Whether item latencies mean something (not for a load's chunks).</param>
    public static void Print(TextWriter writer, IEnumerable<string> headline, WorkStats stats, IReadOnlyList<SummarySection> sections, bool showSpeedup, bool showLatency)
    {
        var c = CultureInfo.InvariantCulture;
        writer.WriteLine();
        foreach (var line in headline)
        {
            writer.WriteLine(line);
        }

        if (showSpeedup)
        {
            writer.WriteLine(string.Create(c, $"  speedup {stats.Speedup:0.0}x over sequential (sum of item times {Format(stats.SumOfRunTimes)})"));
        }

        foreach (var section in sections.Where(s => !s.Hidden))
        {
            if (section.Lines() is { Count: > 0 } lines)
            {
                writer.WriteLine(section.Title + ":");
                foreach (var line in lines)
                {
                    writer.WriteLine(line);
                }
            }
        }

        if (!showLatency || stats.Completed == 0)
        {
            return;
        }

        var (percentiles, bins, count) = stats.ReadLatency(h => (
            Percentiles.Select(p => (p.Label, h.Percentile(p.Quantile))).Append(("max", h.Max)).ToList(),
            h.Bins(HistogramBins),
            h.Count));
        writer.WriteLine("Latency: " + string.Join("  ", percentiles.Select(p => $"{p.Item1} {Format(p.Item2)}")));
        if (count < LeastHistogramSamples || bins.Count == 0 || bins[0].UpperEdge == bins[^1].UpperEdge)
        {
            return;
        }

        var most = bins.Max(b => b.Count);
        foreach (var (edge, binCount) in bins)
        {
            var bar = most == 0 ? 0 : (int)Math.Round(binCount * (double)HistogramWidth / most);
            writer.WriteLine(string.Create(c, $"  {Format(edge),10} [{binCount,7}] {new string('■', bar)}"));
        }
    }

    public static async Task WriteJsonAsync(string path, string job, int concurrency, WorkStats stats, IReadOnlyList<SummarySection> sections, bool interrupted, bool showSpeedup, bool showLatency, CancellationToken cancellationToken)
    {
        var file = Records.AtomicFile.Create(path);
        await using (file)
        {
            await using (var json = new Utf8JsonWriter(file.Stream, JsonText.Readable with { Indented = true }))
            {
                json.WriteStartObject();
                json.WriteNumber("schema", StatsSchema);
                json.WriteString("job", job);
                json.WriteBoolean("interrupted", interrupted);
                json.WriteNumber("concurrency", concurrency);
                json.WriteNumber("completed", stats.Completed);
                json.WriteNumber("succeeded", stats.Succeeded);
                json.WriteNumber("skipped", stats.Skipped);
                json.WriteNumber("failed", stats.Failed);
                json.WriteNumber("cancelled", stats.Cancelled);
                json.WriteNumber("not_started", stats.NotStarted);
                json.WriteNumber("invalid_inputs", stats.InvalidInputs);
                json.WriteNumber("retried", stats.Retried);
                json.WriteNumber("attempts", stats.Attempts);
                json.WriteNumber("wall_ms", Math.Round(stats.WallTime.TotalMilliseconds, 3));
                json.WriteNumber("items_per_s", Math.Round(stats.Throughput, 3));
                if (showSpeedup)
                {
                    json.WriteNumber("sum_of_item_ms", Math.Round(stats.SumOfRunTimes.TotalMilliseconds, 3));
                    json.WriteNumber("speedup", Math.Round(stats.Speedup, 3));
                }

                if (showLatency)
                {
                    json.WriteStartObject("latency_ms");
                    stats.ReadLatency(h =>
                    {
                        json.WriteNumber("min", Math.Round((h.Count == 0 ? TimeSpan.Zero : h.Min).TotalMilliseconds, 3));
                        json.WriteNumber("mean", Math.Round(h.Mean.TotalMilliseconds, 3));
                        foreach (var (_, name, quantile) in Percentiles)
                        {
                            json.WriteNumber(name, Math.Round(h.Percentile(quantile).TotalMilliseconds, 3));
                        }

                        json.WriteNumber("max", Math.Round(h.Max.TotalMilliseconds, 3));
                        return 0;
                    });
                    json.WriteEndObject();
                }

                json.WriteStartObject("errors_by_kind");
                foreach (var (kind, count) in stats.ErrorsByKind)
                {
                    json.WriteNumber(kind, count);
                }

                json.WriteEndObject();
                foreach (var section in sections)
                {
                    json.WritePropertyName(section.JsonName);
                    section.WriteJson(json);
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

    /// <summary>Bytes as people read them: <c>15.2 MB</c>.</summary>
    public static string FormatBytes(double bytes) =>
        bytes >= 1e9 ? (bytes / 1e9).ToString("0.00 GB", CultureInfo.InvariantCulture)
        : bytes >= 1e6 ? (bytes / 1e6).ToString("0.0 MB", CultureInfo.InvariantCulture)
        : bytes >= 1e3 ? (bytes / 1e3).ToString("0.0 kB", CultureInfo.InvariantCulture)
        : bytes.ToString("0 B", CultureInfo.InvariantCulture);
}
