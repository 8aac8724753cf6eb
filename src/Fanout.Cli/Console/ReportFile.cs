using System.Globalization;
using Fanout.Engine;
using Fanout.Records;
using Fanout.Reports;

namespace Fanout.Cli.Console;

/// <summary>
/// <c>--report FILE.html</c>: every result record of the run goes (as the JSONL a run writes) into a
/// <see cref="RunReport"/>, written atomically at the end of the run, an interrupted one included.
/// </summary>
internal sealed class ReportFile : IAsyncDisposable
{
    private readonly string _path;
    private readonly RunReport _report;
    private readonly Stream _lines;
    private readonly RecordWriter _writer;

    private ReportFile(string path, RunReport report)
    {
        _path = path;
        _report = report;
        _lines = report.CreateRecordStream();
        _writer = RecordWriter.Create(OutputFormat.Jsonl, _lines, leaveOpen: true);
    }

    public static ReportFile? Create(string? path, string job, int? workers) =>
        path is null ? null : new ReportFile(path, new RunReport(Info(job) with { Workers = workers }));

    /// <summary>The command line, host and versions of this process.</summary>
    public static ReportInfo Info(string title) =>
        ReportInfo.Of(title, Environment.GetCommandLineArgs().Skip(1).Prepend("fanout"), typeof(ReportFile).Assembly.GetName().Version?.ToString(3) ?? "0");

    public ValueTask AddAsync<TItem, TResult>(WorkResult<TItem, TResult> result, Action<WorkResult<TItem, TResult>, IRecordFieldWriter> writeRecord) =>
        _writer.WriteAsync(result, writeRecord);

    /// <summary>Writes the report; the -j auto limit's history is drawn when the run had one.</summary>
    public async Task WriteAsync(AutoConcurrency? auto)
    {
        await _writer.FlushAsync();
        if (auto is not null)
        {
            _report.AddLimitHistory(TotalLimit(auto.Snapshot()));
        }

        await using var file = AtomicFile.Create(_path);
        _report.WriteHtml(file.Stream);
        await file.CommitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _lines.DisposeAsync();
    }

    /// <summary>The sum of every partition's limit over time (one line for the whole run).</summary>
    private static List<(double Seconds, double Limit)> TotalLimit(IReadOnlyList<AutoConcurrency.AutoLimitState> partitions)
    {
        var current = new int[partitions.Count];
        var total = new List<(double, double)>();
        foreach (var (at, partition, limit) in partitions.SelectMany((p, i) => p.History.Select(h => (h.At, i, h.Limit))).OrderBy(c => c.At))
        {
            current[partition] = limit;
            total.Add((at.TotalSeconds, current.Sum()));
        }

        return total;
    }
}
