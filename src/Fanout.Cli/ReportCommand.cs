using System.CommandLine;
using System.Globalization;
using System.Text;
using Fanout.Cli.Console;
using Fanout.Records;
using Fanout.Reports;

namespace Fanout.Cli;

/// <summary>
/// <c>fanout report FILE... -o report.html</c>: the HTML report of runs already done, from their JSONL result records
/// (shards of one run, a queue's results, or one run's <c>-o</c>), merged into one; the text summary is printed too.
/// </summary>
internal static class ReportCommand
{
    private const int ShownProblems = 5;

    public static Command Create()
    {
        var files = new Argument<string[]>("FILE")
        {
            Description = "JSONL result records (what -o writes, or fanout queue results); - is standard input",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--output", "-o") { Description = "The HTML file to write", HelpName = "FILE.html", DefaultValueFactory = _ => "report.html" };
        var command = new Command("report", """
            Draw the report of runs already done: one HTML file (opens offline) from their result records.

            Merges any number of record files: the shards of one run (each machine's -o), or a queue's results.
            Each file's workers get their own lanes. The text summary is printed on stdout.

            Examples:
              fanout http urls.txt -o results.jsonl && fanout report results.jsonl -o report.html
              fanout report shard-*.jsonl -o report.html
              fanout queue results postgres://u@db/app urls | fanout report - -o report.html

            Every job also writes one as it runs with --report FILE.html.
            """);
        command.Arguments.Add(files);
        command.Options.Add(output);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var sources = parse.GetValue(files)!;
            var path = ValueParsers.OutputFile(parse.GetValue(output), "--output")!;
            var unreadable = InputReader.FindUnreadable(sources);
            if (unreadable.Count > 0)
            {
                throw new UsageException(unreadable);
            }

            var report = new RunReport(ReportFile.Info("report") with { Sources = sources });
            var index = sources.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i, StringComparer.Ordinal);
            var problems = 0;
            await foreach (var line in InputReader.ReadLinesAsync(sources, System.Console.OpenStandardInput, cancellationToken))
            {
                if (!report.Add(Encoding.UTF8.GetBytes(line.Text), index.GetValueOrDefault(line.Source)) && ++problems <= ShownProblems)
                {
                    System.Console.Error.WriteLine($"fanout: {Terminal.Escape(line.Location)}: not a result record (a JSON object with key and ok), left out");
                }
            }

            if (problems > ShownProblems)
            {
                System.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fanout: {problems} lines in all were not result records"));
            }

            if (report.Count == 0)
            {
                throw new UsageException($"report: no result records in {string.Join(", ", sources)}");
            }

            await using (var file = AtomicFile.Create(path))
            {
                report.WriteHtml(file.Stream);
                await file.CommitAsync(cancellationToken);
            }

            Print(report.Summarize(), System.Console.Out);
            System.Console.Error.WriteLine($"fanout: report written to {Terminal.Escape(path)}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Print(ReportSummary summary, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"{summary.Items} items: {summary.Succeeded} ok, {summary.Failed} failed ({summary.Attempts} attempts) on {summary.Workers} workers in {SummaryPrinter.Format(summary.Span)}, {summary.ItemsPerSecond:0.#}/s"));
        output.WriteLine(string.Create(c, $"item times: p50 {Ms(summary.P50)}  p90 {Ms(summary.P90)}  p99 {Ms(summary.P99)}  max {Ms(summary.Max)}"));
        if (summary.Bytes is { } bytes)
        {
            output.WriteLine(string.Create(c, $"bytes: {SummaryPrinter.FormatBytes(bytes)}, {SummaryPrinter.FormatBytes(summary.Span > TimeSpan.Zero ? bytes / summary.Span.TotalSeconds : 0)}/s"));
        }

        if (summary.Stored is { } stored)
        {
            output.WriteLine(string.Create(c, $"rows: {stored} stored, {summary.Rejected ?? 0} rejected, {(summary.Span > TimeSpan.Zero ? stored / summary.Span.TotalSeconds : 0):0}/s"));
        }
    }

    private static string Ms(double milliseconds) => SummaryPrinter.Format(TimeSpan.FromMilliseconds(milliseconds));
}
