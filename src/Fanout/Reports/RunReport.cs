using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Fanout.Records;

namespace Fanout.Reports;

/// <summary>What a report says about the run besides its records: the command line, host, times, versions.</summary>
/// <param name="Title">The job (<c>http</c>, <c>download</c>, ...) or what the report covers.</param>
/// <param name="CommandLine">The command line, as typed.</param>
/// <param name="Host">The machine's name.</param>
/// <param name="Version">fanout's version.</param>
public sealed record ReportInfo(string Title, string CommandLine, string Host, string Version)
{
    /// <summary>The .NET runtime that ran fanout.</summary>
    public string Runtime { get; init; } = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;

    /// <summary>Where the run's workers came from (the record files merged), when not one run.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>The worker count the run was started with (lanes are drawn for the workers seen in the records).</summary>
    public int? Workers { get; init; }

    /// <summary>The info of a run started with <paramref name="arguments"/> on this machine, shown as a shell would take them.</summary>
    /// <param name="title">The job or what the report covers.</param>
    /// <param name="arguments">The program's name and its arguments.</param>
    /// <param name="version">The program's version.</param>
    /// <returns>The info.</returns>
    public static ReportInfo Of(string title, IEnumerable<string> arguments, string version) =>
        new(title, string.Join(' ', arguments.Select(Word)), Environment.MachineName, version);

    /// <summary>An argument as typed: as it is when it needs no quotes, else single-quoted as the shell takes it.</summary>
    private static string Word(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@%+,#".Contains(c, StringComparison.Ordinal))
            ? argument
            : Processes.CommandTemplate.Quote(argument);
}

/// <summary>
/// A run's report, built from its result records alone (the JSON objects every job writes: <c>key</c>, <c>ok</c>,
/// <c>attempts</c>, <c>elapsed_ms</c>, <c>queued_ms</c>, <c>worker</c>, <c>started_at</c>, <c>ended_at</c>,
/// <c>error</c>, <c>error_kind</c> and the job's own fields), so a .NET caller writes one for its own run the same way
/// <c>fanout report</c> does for files: <see cref="Add(ReadOnlySpan{byte}, int)"/> each record, then
/// <see cref="WriteHtml"/>. The HTML opens offline (inline CSS, script and SVG): a worker timeline, concurrency and
/// throughput over time, a latency histogram, status or exit codes, failures grouped by error, the slowest items and the
/// job's own figures. Big runs stay small: above <see cref="ItemBarsLimit"/> items the timeline is drawn in time buckets;
/// failures and slowest items stay exact. Not thread-safe.
/// </summary>
public sealed class RunReport
{
    /// <summary>Up to this many items, the timeline draws one bar per item; above, busy time per time bucket.</summary>
    public const int ItemBarsLimit = 5000;

    private const int SlowestCount = 20;
    private const int FailureExamples = 5;
    private const int FailureItems = 1000;

    private readonly List<long> _starts = [];
    private readonly List<double> _elapsed = [];
    private readonly List<float> _queued = [];
    private readonly List<int> _lanes = [];
    private readonly List<byte> _outcomes = [];
    private readonly List<int> _keyIndex = [];
    private readonly List<ItemDetail> _details = [];
    private readonly Dictionary<(int Source, long Worker), int> _laneOf = [];
    private readonly Dictionary<string, long> _codes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FailureGroup> _failures = new(StringComparer.Ordinal);
    private readonly PriorityQueue<ItemDetail, double> _slowest = new();
    private readonly Dictionary<string, long> _testOutcomes = new(StringComparer.Ordinal);
    private readonly List<(double Seconds, double Limit)> _limit = [];
    private readonly Dictionary<int, long> _laneEnds = [];
    private (ReportSummary Summary, double[] Sorted, long First)? _figures;
    private long _failedItems;
    private long _attempts;
    private long _bytes;
    private long _stored;
    private long _rejected;
    private long _notLoaded;
    private long _invalid;
    private bool _hasBytes;
    private bool _hasRows;

    /// <summary>Makes an empty report.</summary>
    /// <param name="info">The run's command line, host and versions.</param>
    public RunReport(ReportInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        Info = info;
    }

    /// <summary>The run's command line, host and versions.</summary>
    public ReportInfo Info { get; set; }

    /// <summary>Records added.</summary>
    public long Count => _elapsed.Count;

    /// <summary>Records whose <c>ok</c> is false.</summary>
    public long Failed => _failedItems;

    /// <summary>Records that could not be read as result records (not JSON, or no <c>key</c>/<c>ok</c>).</summary>
    public long Invalid => _invalid;

    /// <summary>The number of workers seen (lanes of the timeline).</summary>
    public int Lanes => _laneOf.Count;

    /// <summary>Adds the adaptive limit (<c>-j auto</c>) over the run: seconds from the start, limit.</summary>
    /// <param name="history">The limit's history.</param>
    public void AddLimitHistory(IEnumerable<(double Seconds, double Limit)> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        _limit.AddRange(history);
    }

    /// <summary>Adds one result record (a JSON object, UTF-8).</summary>
    /// <param name="record">The record.</param>
    /// <param name="source">Which file or run it came from (worker numbers are per source).</param>
    /// <returns>Whether it was a result record.</returns>
    public bool Add(ReadOnlySpan<byte> record, int source = 0)
    {
        ReportRecord parsed;
        try
        {
            parsed = ReportRecord.Parse(record);
        }
        catch (JsonException)
        {
            _invalid++;
            return false;
        }

        if (parsed.Key is null || parsed.Ok is null)
        {
            _invalid++;
            return false;
        }

        Add(parsed, source);
        return true;
    }

    /// <summary>Adds one result record (a JSON line).</summary>
    /// <param name="record">The record.</param>
    /// <param name="source">Which file or run it came from (worker numbers are per source).</param>
    /// <returns>Whether it was a result record.</returns>
    public bool Add(string record, int source = 0) => Add(Encoding.UTF8.GetBytes(record ?? throw new ArgumentNullException(nameof(record))), source);

    /// <summary>A stream that takes JSON lines (what a JSONL record writer writes) and adds each to the report.</summary>
    /// <returns>The stream; dispose it to add a last line without a newline.</returns>
    public Stream CreateRecordStream() => new RecordLineStream(this);

    /// <summary>The figures of the report: counts, percentiles, rates.</summary>
    /// <returns>The summary.</returns>
    public ReportSummary Summarize() => Figures().Summary;

    /// <summary>
    /// The summary with what it was computed from (the item times sorted, the first start): computed once for the
    /// records added so far, whether the page, the text summary or both ask (a million times to sort).
    /// </summary>
    private (ReportSummary Summary, double[] Sorted, long First) Figures()
    {
        if (_figures is { } known)
        {
            return known;
        }

        var sorted = _elapsed.ToArray();
        Array.Sort(sorted);
        var first = _starts.Count == 0 ? 0 : _starts.Min();
        var last = 0L;
        for (var i = 0; i < _starts.Count; i++)
        {
            last = Math.Max(last, _starts[i] + (long)(_elapsed[i] * TimeSpan.TicksPerMillisecond));
        }

        var span = _starts.Count == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(last - first);
        var summary = new ReportSummary(
            Count,
            Count - _failedItems,
            _failedItems,
            _attempts,
            Lanes,
            _starts.Count == 0 ? null : new DateTimeOffset(first, TimeSpan.Zero),
            _starts.Count == 0 ? null : new DateTimeOffset(last, TimeSpan.Zero),
            span,
            Percentile(sorted, 0.50),
            Percentile(sorted, 0.90),
            Percentile(sorted, 0.99),
            sorted.Length == 0 ? 0 : sorted[^1],
            span > TimeSpan.Zero ? Count / span.TotalSeconds : 0,
            _hasBytes ? _bytes : null,
            _hasRows ? _stored : null,
            _hasRows ? _rejected : null);
        _figures = (summary, sorted, first);
        return _figures.Value;
    }

    /// <summary>Writes the report as one self-contained HTML file.</summary>
    /// <param name="output">Where to.</param>
    public void WriteHtml(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ReportHtml.Write(output, this);
    }

    /// <summary>The nearest-rank percentile of sorted values (what the report shows).</summary>
    internal static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>Writes the data the page draws from, as one JSON object.</summary>
    internal void WriteData(Utf8JsonWriter json)
    {
        var (summary, sorted, first) = Figures();
        var spanMs = Math.Max(summary.Span.TotalMilliseconds, 1);
        json.WriteStartObject();
        json.WriteString("title", Info.Title);
        json.WriteString("command", Info.CommandLine);
        json.WriteString("host", Info.Host);
        json.WriteString("version", Info.Version);
        json.WriteString("runtime", Info.Runtime);
        WriteTime(json, "generated", DateTimeOffset.UtcNow);
        json.WriteStartArray("sources");
        foreach (var source in Info.Sources)
        {
            json.WriteStringValue(source);
        }

        json.WriteEndArray();
        json.WriteStartObject("summary");
        json.WriteNumber("items", summary.Items);
        json.WriteNumber("ok", summary.Succeeded);
        json.WriteNumber("failed", summary.Failed);
        json.WriteNumber("attempts", summary.Attempts);
        json.WriteNumber("invalid", _invalid);
        json.WriteNumber("workers", summary.Workers);
        if (Info.Workers is { } workers)
        {
            json.WriteNumber("workers_asked", workers);
        }

        WriteTime(json, "started", summary.Started);
        WriteTime(json, "ended", summary.Ended);
        json.WriteNumber("span_ms", summary.Span.TotalMilliseconds);
        json.WriteNumber("p50", summary.P50);
        json.WriteNumber("p90", summary.P90);
        json.WriteNumber("p99", summary.P99);
        json.WriteNumber("max", summary.Max);
        json.WriteNumber("rate", summary.ItemsPerSecond);
        if (summary.Bytes is { } bytes)
        {
            json.WriteNumber("bytes", bytes);
            json.WriteNumber("bytes_per_s", summary.Span > TimeSpan.Zero ? bytes / summary.Span.TotalSeconds : 0);
        }

        if (summary.Stored is { } stored)
        {
            json.WriteNumber("stored", stored);
            json.WriteNumber("rejected", summary.Rejected ?? 0);
            json.WriteNumber("not_loaded", _notLoaded);
            json.WriteNumber("rows_per_s", summary.Span > TimeSpan.Zero ? stored / summary.Span.TotalSeconds : 0);
        }

        json.WriteEndObject();

        WriteTimeline(json, first, spanMs);
        WriteSeries(json, first, spanMs);
        WriteHistogram(json, sorted);

        json.WriteStartArray("codes");
        foreach (var (code, count) in _codes.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal))
        {
            json.WriteStartArray();
            json.WriteStringValue(code);
            json.WriteNumberValue(count);
            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteStartArray("tests");
        foreach (var (outcome, count) in _testOutcomes.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            json.WriteStartArray();
            json.WriteStringValue(outcome);
            json.WriteNumberValue(count);
            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteStartArray("failures");
        foreach (var group in _failures.Values.OrderByDescending(g => g.Count).ThenBy(g => g.Error, StringComparer.Ordinal))
        {
            json.WriteStartObject();
            json.WriteString("error", group.Error);
            json.WriteString("kind", group.Kind);
            json.WriteNumber("count", group.Count);
            json.WriteStartArray("examples");
            foreach (var example in group.Examples)
            {
                WriteDetail(json, example, first);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("slowest");
        foreach (var slow in _slowest.UnorderedItems.Select(s => s.Element).OrderByDescending(s => s.ElapsedMs))
        {
            WriteDetail(json, slow, first);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private void WriteTimeline(Utf8JsonWriter json, long first, double spanMs)
    {
        // Lanes in worker order (source, then worker number), whatever order the records came in.
        var ordered = _laneOf.OrderBy(l => l.Key.Source).ThenBy(l => l.Key.Worker).ToList();
        var position = new int[ordered.Count];
        for (var i = 0; i < ordered.Count; i++)
        {
            position[ordered[i].Value] = i;
        }

        json.WriteStartObject("timeline");
        json.WriteNumber("lanes", Lanes);
        json.WriteStartArray("lane_names");
        foreach (var ((source, worker), _) in ordered)
        {
            json.WriteStringValue(LaneName(source, worker));
        }

        json.WriteEndArray();
        if (Count <= ItemBarsLimit)
        {
            // One bar per item: [lane, start ms, length ms, outcome, detail index or -1].
            json.WriteString("mode", "items");
            json.WriteStartArray("bars");
            for (var i = 0; i < _starts.Count; i++)
            {
                json.WriteStartArray();
                json.WriteNumberValue(position[_lanes[i]]);
                json.WriteNumberValue(Math.Round((_starts[i] - first) / (double)TimeSpan.TicksPerMillisecond, 3));
                json.WriteNumberValue(Math.Round(_elapsed[i], 3));
                json.WriteNumberValue(_outcomes[i]);
                json.WriteNumberValue(_keyIndex[i]);
                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteStartArray("details");
            foreach (var detail in _details)
            {
                WriteDetail(json, detail, first);
            }

            json.WriteEndArray();
        }
        else
        {
            // Busy fraction and failures per lane and time bucket: [lane][bucket] = busy per mille, failures.
            var buckets = Math.Clamp(40_000 / Math.Max(Lanes, 1), 50, 400);
            var width = spanMs / buckets;
            var busy = new double[Lanes, buckets];
            var failed = new int[Lanes, buckets];
            for (var i = 0; i < _starts.Count; i++)
            {
                var start = (_starts[i] - first) / (double)TimeSpan.TicksPerMillisecond;
                var end = start + _elapsed[i];
                var lane = position[_lanes[i]];
                var b0 = Math.Clamp((int)(start / width), 0, buckets - 1);
                var b1 = Math.Clamp((int)(end / width), 0, buckets - 1);
                for (var b = b0; b <= b1; b++)
                {
                    busy[lane, b] += Math.Max(0, Math.Min(end, (b + 1) * width) - Math.Max(start, b * width));
                }

                if (_outcomes[i] == Outcome.Failed)
                {
                    failed[lane, b1]++;
                }
            }

            json.WriteString("mode", "buckets");
            json.WriteNumber("buckets", buckets);
            json.WriteNumber("bucket_ms", width);
            json.WriteStartArray("busy");
            for (var lane = 0; lane < Lanes; lane++)
            {
                json.WriteStartArray();
                for (var b = 0; b < buckets; b++)
                {
                    json.WriteNumberValue((int)Math.Round(Math.Min(1, busy[lane, b] / width) * 1000));
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteStartArray("failed");
            for (var lane = 0; lane < Lanes; lane++)
            {
                json.WriteStartArray();
                for (var b = 0; b < buckets; b++)
                {
                    json.WriteNumberValue(failed[lane, b]);
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private void WriteSeries(Utf8JsonWriter json, long first, double spanMs)
    {
        // Concurrency (items running, averaged over each bucket) and throughput (items ended per second).
        const int Buckets = 200;
        var width = spanMs / Buckets;
        var running = new double[Buckets];
        var ended = new long[Buckets];
        for (var i = 0; i < _starts.Count; i++)
        {
            var start = (_starts[i] - first) / (double)TimeSpan.TicksPerMillisecond;
            var end = start + _elapsed[i];
            var b0 = Math.Clamp((int)(start / width), 0, Buckets - 1);
            var b1 = Math.Clamp((int)(end / width), 0, Buckets - 1);
            for (var b = b0; b <= b1; b++)
            {
                running[b] += Math.Max(0, Math.Min(end, (b + 1) * width) - Math.Max(start, b * width));
            }

            ended[b1]++;
        }

        json.WriteStartObject("series");
        json.WriteNumber("bucket_ms", width);
        json.WriteStartArray("concurrency");
        foreach (var value in running)
        {
            json.WriteNumberValue(Math.Round(value / width, 2));
        }

        json.WriteEndArray();
        // Throughput over a moving window of 9 buckets (items end in bursts: one bucket alone is mostly noise).
        json.WriteStartArray("throughput");
        for (var b = 0; b < Buckets; b++)
        {
            var from = Math.Max(0, b - 4);
            var to = Math.Min(Buckets - 1, b + 4);
            long sum = 0;
            for (var k = from; k <= to; k++)
            {
                sum += ended[k];
            }

            json.WriteNumberValue(Math.Round(sum / ((to - from + 1) * width / 1000), 2));
        }

        json.WriteEndArray();
        json.WriteStartArray("limit");
        foreach (var (seconds, limit) in _limit)
        {
            json.WriteStartArray();
            json.WriteNumberValue(Math.Round(seconds * 1000, 1));
            json.WriteNumberValue(limit);
            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteHistogram(Utf8JsonWriter json, double[] sorted)
    {
        // 40 bins between the fastest and the slowest item (logarithmic when they span more than 10x).
        const int Bins = 40;
        json.WriteStartObject("histogram");
        if (sorted.Length > 0)
        {
            var low = Math.Max(sorted[0], 0.001);
            var high = Math.Max(sorted[^1], low * 1.0001);
            var log = high / low > 10;
            json.WriteBoolean("log", log);
            var edges = new double[Bins + 1];
            for (var i = 0; i <= Bins; i++)
            {
                edges[i] = log ? low * Math.Pow(high / low, i / (double)Bins) : low + ((high - low) * i / Bins);
            }

            var counts = new long[Bins];
            var bin = 0;
            foreach (var value in sorted)
            {
                while (bin < Bins - 1 && value > edges[bin + 1])
                {
                    bin++;
                }

                counts[bin]++;
            }

            json.WriteStartArray("edges");
            foreach (var edge in edges)
            {
                json.WriteNumberValue(Math.Round(edge, 3));
            }

            json.WriteEndArray();
            json.WriteStartArray("counts");
            foreach (var count in counts)
            {
                json.WriteNumberValue(count);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    /// <summary>A time as every record writes it (<c>yyyy-MM-ddTHH:mm:ss.fffZ</c>), or null.</summary>
    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is not { } known)
        {
            json.WriteNull(name);
            return;
        }

        Span<char> text = stackalloc char[RecordWriter.TimeLength];
        json.WriteString(name, RecordWriter.FormatTime(known, text));
    }

    private static void WriteDetail(Utf8JsonWriter json, ItemDetail detail, long first)
    {
        json.WriteStartObject();
        json.WriteString("key", detail.Key);
        json.WriteBoolean("ok", detail.Ok);
        json.WriteNumber("attempts", detail.Attempts);
        json.WriteNumber("elapsed_ms", Math.Round(detail.ElapsedMs, 3));
        json.WriteNumber("queued_ms", Math.Round(detail.QueuedMs, 3));
        json.WriteString("worker", detail.Worker);
        json.WriteNumber("at_ms", Math.Round((detail.Start - first) / (double)TimeSpan.TicksPerMillisecond, 3));
        WriteTime(json, "started_at", new DateTimeOffset(detail.Start, TimeSpan.Zero));
        json.WriteString("code", detail.Code);
        json.WriteString("error", detail.Error);
        json.WriteString("error_kind", detail.ErrorKind);
        json.WriteEndObject();
    }

    private void Add(ReportRecord record, int source)
    {
        _figures = null;
        var worker = record.Worker ?? 0;
        if (!_laneOf.TryGetValue((source, worker), out var lane))
        {
            lane = _laneOf.Count;
            _laneOf[(source, worker)] = lane;
        }

        // Records without times (written before fanout recorded them) are laid end to end in their lane.
        var elapsed = record.ElapsedMs ?? 0;
        var start = record.StartedAt?.UtcTicks
            ?? (record.EndedAt?.UtcTicks - (long)(elapsed * TimeSpan.TicksPerMillisecond))
            ?? CollectionsMarshal.GetValueRefOrAddDefault(_laneEnds, lane, out _);
        if (record.StartedAt is null && record.EndedAt is null)
        {
            _laneEnds[lane] = start + (long)(elapsed * TimeSpan.TicksPerMillisecond);
        }

        var ok = record.Ok!.Value;
        var outcome = record.Outcome switch
        {
            "skipped" => Outcome.Skipped,
            _ when !ok => Outcome.Failed,
            _ when record.Flaky == true || record.Attempts > 1 => Outcome.Retried,
            _ => Outcome.Ok,
        };
        _starts.Add(start);
        _elapsed.Add(elapsed);
        _queued.Add((float)(record.QueuedMs ?? 0));
        _lanes.Add(lane);
        _outcomes.Add(outcome);
        _attempts += record.Attempts ?? 1;
        var code = record.Status is { } status ? string.Create(CultureInfo.InvariantCulture, $"status {status}")
            : record.ExitCode is { } exit ? string.Create(CultureInfo.InvariantCulture, $"exit {exit}")
            : null;
        if (code is not null)
        {
            _codes[code] = _codes.GetValueOrDefault(code) + 1;
        }

        if (record.Outcome is { } testOutcome)
        {
            var name = testOutcome == "passed" && record.Flaky == true ? "flaky" : testOutcome;
            _testOutcomes[name] = _testOutcomes.GetValueOrDefault(name) + 1;
        }

        if (record.Bytes is { } bytes)
        {
            _bytes += bytes;
            _hasBytes = true;
        }

        if (record.Stored is not null || record.Rejected is not null)
        {
            _stored += record.Stored ?? 0;
            _rejected += record.Rejected ?? 0;
            _notLoaded += record.NotLoaded ?? 0;
            _hasRows = true;
        }

        var detail = new ItemDetail(record.Key!, ok, record.Attempts ?? 1, elapsed, record.QueuedMs ?? 0, LaneName(source, worker), start, code, record.Error, record.ErrorKind);
        if (!ok)
        {
            _failedItems++;
            var error = record.Error ?? "(no error text)";
            if (!_failures.TryGetValue(error, out var group))
            {
                group = new FailureGroup(error, record.ErrorKind);
                _failures[error] = group;
            }

            group.Count++;
            if (group.Examples.Count < FailureExamples)
            {
                group.Examples.Add(detail);
            }
        }

        if (_slowest.Count < SlowestCount)
        {
            _slowest.Enqueue(detail, elapsed);
        }
        else if (elapsed > _slowest.Peek().ElapsedMs)
        {
            _slowest.EnqueueDequeue(detail, elapsed);
        }

        // Details (for the hover) are kept for every item while the timeline draws items, else for failures only.
        if (_details.Count < ItemBarsLimit || (!ok && _failedItems <= FailureItems))
        {
            _keyIndex.Add(_details.Count);
            _details.Add(detail);
        }
        else
        {
            _keyIndex.Add(-1);
        }
    }

    private string LaneName(int source, long worker) =>
        Info.Sources.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $"{source + 1}:{worker}") : worker.ToString(CultureInfo.InvariantCulture);

    /// <summary>How a timeline bar is coloured.</summary>
    internal static class Outcome
    {
        public const byte Ok = 0;
        public const byte Failed = 1;
        public const byte Retried = 2;
        public const byte Skipped = 3;
    }

    private sealed record ItemDetail(string Key, bool Ok, long Attempts, double ElapsedMs, double QueuedMs, string Worker, long Start, string? Code, string? Error, string? ErrorKind);

    private sealed class FailureGroup(string error, string? kind)
    {
        public string Error { get; } = error;

        public string? Kind { get; } = kind;

        public long Count { get; set; }

        public List<ItemDetail> Examples { get; } = [];
    }

    /// <summary>Splits what a record writer writes into lines and adds each.</summary>
    private sealed class RecordLineStream(RunReport report) : Stream
    {
        private readonly MemoryStream _partial = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (buffer.Length > 0)
            {
                var newline = buffer.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    _partial.Write(buffer);
                    return;
                }

                if (_partial.Length > 0)
                {
                    _partial.Write(buffer[..newline]);
                    AddLine(_partial.GetBuffer().AsSpan(0, (int)_partial.Length));
                    _partial.SetLength(0);
                }
                else
                {
                    AddLine(buffer[..newline]);
                }

                buffer = buffer[(newline + 1)..];
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _partial.Length > 0)
            {
                AddLine(_partial.GetBuffer().AsSpan(0, (int)_partial.Length));
                _partial.SetLength(0);
            }

            base.Dispose(disposing);
        }

        private void AddLine(ReadOnlySpan<byte> line)
        {
            if (line.Trim((byte)'\r').Trim((byte)' ').Length > 0)
            {
                report.Add(line);
            }
        }
    }
}

/// <summary>A report's figures.</summary>
/// <param name="Items">Records.</param>
/// <param name="Succeeded">Records with <c>ok</c> true.</param>
/// <param name="Failed">Records with <c>ok</c> false.</param>
/// <param name="Attempts">Attempts over all items.</param>
/// <param name="Workers">Workers seen.</param>
/// <param name="Started">The first item's start.</param>
/// <param name="Ended">The last item's end.</param>
/// <param name="Span">From the first start to the last end.</param>
/// <param name="P50">Median item time, ms (nearest rank).</param>
/// <param name="P90">90th percentile, ms.</param>
/// <param name="P99">99th percentile, ms.</param>
/// <param name="Max">Slowest item, ms.</param>
/// <param name="ItemsPerSecond">Items over the span.</param>
/// <param name="Bytes">Bytes (download, read), when the records have them.</param>
/// <param name="Stored">Rows stored (insert), when the records have them.</param>
/// <param name="Rejected">Rows rejected (insert).</param>
public sealed record ReportSummary(
    long Items,
    long Succeeded,
    long Failed,
    long Attempts,
    int Workers,
    DateTimeOffset? Started,
    DateTimeOffset? Ended,
    TimeSpan Span,
    double P50,
    double P90,
    double P99,
    double Max,
    double ItemsPerSecond,
    long? Bytes,
    long? Stored,
    long? Rejected);
