using System.CommandLine;
using System.Globalization;
using Fanout.Cli.Console;
using Fanout.Cli.Demo;
using Fanout.Database;
using Fanout.Downloads;
using Fanout.Engine;
using Fanout.Files;
using Fanout.Http;
using Fanout.Processes;
using Spectre.Console;

namespace Fanout.Cli;

/// <summary>
/// <c>fanout demo</c>: runs each job sequentially and concurrently against an embedded local server
/// and prints the two side by side. No network, no arguments.
/// </summary>
internal static class DemoCommand
{
    private const int HttpRequests = 100;
    private const int HttpDelayMs = 30;
    private const int HttpConcurrency = 50;
    private const int DownloadFiles = 40;
    private const int DownloadBytes = 256 << 10;
    private const int DownloadDelayMs = 50;
    private const int DownloadConcurrency = 8;
    private const int Tests = 16;
    private const double TestSeconds = 0.2;
    private const int TestConcurrency = 8;
    private const int AutoCapacity = 16;
    private const int AutoRequests = 800;
    private const int InsertRows = 20_000;
    private const int ReadFiles = 64;
    private const int ReadFileBytes = 2 << 20;

    public static Command Create()
    {
        var serve = new Option<bool>("--serve") { Description = "Only start the local demo server and keep it running (for benchmarks and trying fanout by hand)" };
        var report = new Option<string?>("--report") { Description = "Write the -j auto run's HTML report to FILE [default: report.html in a new directory under the temp directory]", HelpName = "FILE.html" };
        var port = new Option<int>("--port") { Description = "Port for --serve [default: random]", HelpName = "PORT" };
        var command = new Command("demo", """
            See what concurrency buys: every job, sequential vs concurrent, on a local server.

            Runs each job sequentially and then concurrently against a server started on 127.0.0.1, and prints wall time,
            throughput and speedup side by side. Needs no network.

            Examples:
              fanout demo
              fanout demo --report demo.html
              fanout demo --serve --port 8080

            The server's endpoints (also with --serve): /delay/{ms}, /status/{code}, /flaky/{failures}?id=X, /bytes/{n}?delay=ms.
            """);
        command.Options.Add(serve);
        command.Options.Add(port);
        command.Options.Add(report);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(serve))
            {
                return await ServeAsync(parse.GetValue(port));
            }

            return await RunDemoAsync(ValueParsers.OutputFile(parse.GetValue(report), "--report"), cancellationToken);
        });
        return command;
    }

    private static async Task<int> ServeAsync(int port)
    {
        await using var server = await DemoServer.StartAsync(port);
        System.Console.WriteLine(server.BaseUrl.ToString().TrimEnd('/'));
        System.Console.Error.WriteLine($"fanout demo server on {server.BaseUrl} (Ctrl+C to stop)");
        var stopped = new TaskCompletionSource();
        System.Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stopped.TrySetResult();
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopped.TrySetResult();
        });
        await stopped.Task;
        return ExitCodes.Success;
    }

    private static async Task<int> RunDemoAsync(string? report, CancellationToken cancellationToken)
    {
        var console = SpectreConsoles.Create(System.Console.Out, System.Console.IsOutputRedirected);
        await using var server = await DemoServer.StartAsync(0, cancellationToken);
        console.MarkupLine($"[bold]fanout demo[/] against a local server at {Markup.Escape(server.BaseUrl.ToString())}");
        console.WriteLine();

        var rows = new List<DemoRow>
        {
            await HttpRowAsync(server.BaseUrl, console, cancellationToken),
            await DownloadRowAsync(server.BaseUrl, console, cancellationToken),
            await ReadRowAsync(console, cancellationToken),
            await TestRowAsync(console, cancellationToken),
            await InsertRowAsync(console, cancellationToken),
        };

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("job")
            .AddColumn("work")
            .AddColumn(new TableColumn("sequential").RightAligned())
            .AddColumn(new TableColumn("concurrent").RightAligned())
            .AddColumn(new TableColumn("items/s seq → conc").RightAligned())
            .AddColumn(new TableColumn("speedup").RightAligned());
        foreach (var row in rows)
        {
            table.AddRow(
                row.Job,
                row.Work,
                SummaryPrinter.Format(row.Sequential.WallTime),
                row.Concurrency > 1 ? $"{SummaryPrinter.Format(row.Concurrent.WallTime)} (-j {row.Concurrency})" : SummaryPrinter.Format(row.Concurrent.WallTime),
                row.Throughput,
                string.Create(CultureInfo.InvariantCulture, $"[bold green]{row.Sequential.WallTime / row.Concurrent.WallTime:0.0}x[/]"));
        }

        console.Write(table);
        // The -j auto run's report: where the user said, else a directory of its own under the temp directory.
        var reportPath = report ?? Path.Combine(Directory.CreateTempSubdirectory("fanout-demo-").FullName, "report.html");
        var (_, autoStats) = await AutoLineAsync(server.BaseUrl, reportPath, console, cancellationToken);
        console.WriteLine("The -j auto run's report (worker timeline, the limit over time):");
        // Not through the console's wrapping: a long path must stay one line a user can copy.
        System.Console.Out.WriteLine($"  {reportPath}");
        var failed = rows.Sum(r => r.Sequential.Failed + r.Concurrent.Failed) + autoStats.Failed;
        if (failed > 0)
        {
            console.MarkupLine($"[red]{failed} demo items failed[/]: the comparison above is not trustworthy.");
            return ExitCodes.SomeFailed;
        }

        console.WriteLine();
        console.WriteLine("Try it on your own work: fanout http --help");
        return ExitCodes.Success;
    }

    /// <summary>
    /// How many workers? <c>-j auto</c> against a server that serves <see cref="AutoCapacity"/> requests at once
    /// (20 ms each, queueing more, refusing beyond three times that): where the limit settled, and what it cost.
    /// </summary>
    private static async Task<(AutoConcurrency Auto, WorkStats Stats)> AutoLineAsync(Uri baseUrl, string reportPath, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var requests = Enumerable.Range(1, AutoRequests)
            .Select(i => new HttpItem("GET", new Uri(baseUrl, string.Create(CultureInfo.InvariantCulture, $"/capacity/{AutoCapacity}?ms=20&id={i}"))))
            .ToList();
        using var caller = new HttpCaller(new HttpOptions { BodyMode = HttpBodyMode.None });
        var auto = new AutoConcurrency();
        var stats = new WorkStats();
        var options = new WorkPoolOptions { Auto = auto, Retries = 3, AttemptTimeout = TimeSpan.FromSeconds(10), AbortToken = cancellationToken };
        await using var report = ReportFile.Create(reportPath, "http -j auto (fanout demo)", options.Workers);
        await foreach (var result in WorkPool.RunAsync(requests, caller, options, cancellationToken))
        {
            stats.Add(result);
            await report!.AddAsync(result, HttpCaller.WriteRecord);
        }

        stats.Complete();
        await report!.WriteAsync(auto);
        var limit = auto.Snapshot().Single();
        console.WriteLine();
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[bold]-j auto[/] (how many workers?): {AutoRequests} calls to a server that serves {AutoCapacity} at once: the limit went {limit.Lowest}..{limit.Highest} and settled at [bold green]{limit.Limit}[/], {stats.Throughput:0}/s ({AutoCapacity / 0.020:0}/s is the server's best), {stats.Attempts - stats.Completed} retried"));
        return (auto, stats);
    }

    private static async Task<DemoRow> HttpRowAsync(Uri baseUrl, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var requests = Enumerable.Range(1, HttpRequests)
            .Select(i => new HttpItem("GET", new Uri(baseUrl, $"/delay/{HttpDelayMs}?id={i}")))
            .ToList();
        using var caller = new HttpCaller(new HttpOptions { MaxConnectionsPerServer = HttpConcurrency, BodyMode = HttpBodyMode.None });
        console.WriteLine($"http: {HttpRequests} API calls, each answered after {HttpDelayMs} ms ...");
        var (sequential, concurrent) = await CompareAsync(requests, caller, HttpConcurrency, cancellationToken);
        return new DemoRow("http", $"{HttpRequests} API calls ({HttpDelayMs} ms each)", HttpRequests, HttpConcurrency, sequential, concurrent);
    }

    private static async Task<DemoRow> DownloadRowAsync(Uri baseUrl, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("fanout-demo-");
        try
        {
            console.WriteLine($"download: {DownloadFiles} files of {DownloadBytes >> 10} KiB, each starting after {DownloadDelayMs} ms ...");
            var urls = Enumerable.Range(1, DownloadFiles).Select(i => new Uri(baseUrl, $"/bytes/{DownloadBytes}?delay={DownloadDelayMs}&i={i}")).ToList();

            // A fresh directory and downloader per pass: the second pass must not skip what the first wrote.
            async Task<WorkStats> PassAsync(string name, int concurrency)
            {
                using var downloader = new Downloader(new DownloadOptions { Directory = Path.Combine(directory.FullName, name), MaxConnectionsPerServer = concurrency });
                var items = urls.Select((url, i) => new DownloadItem(url) { Name = $"file{i:D3}.bin" }).ToList();
                return await RunAsync(items, downloader, concurrency, cancellationToken);
            }

            await PassAsync("warm-up", DownloadConcurrency);
            var sequential = await PassAsync("sequential", 1);
            var concurrent = await PassAsync("concurrent", DownloadConcurrency);
            return new DemoRow("download", $"{DownloadFiles} files x {DownloadBytes >> 10} KiB ({DownloadDelayMs} ms latency)", DownloadFiles, DownloadConcurrency, sequential, concurrent);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<DemoRow> TestRowAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        console.WriteLine($"test: {Tests} test commands of {TestSeconds} s each ...");
        var tests = Enumerable.Range(1, Tests)
            .Select(i => new CommandItem($"test{i:D2}", string.Create(CultureInfo.InvariantCulture, $"sleep {TestSeconds}")))
            .ToList();
        var (sequential, concurrent) = await CompareAsync(tests, new CommandRunner(new CommandOptions()), TestConcurrency, cancellationToken);
        return new DemoRow("test", $"{Tests} tests of {TestSeconds} s (child processes)", Tests, TestConcurrency, sequential, concurrent);
    }

    /// <summary>
    /// SQLite has one writer, so concurrency here is batching and pipelining: the "sequential" side commits
    /// every row on its own, as scripts with a connection per thread end up doing.
    /// </summary>
    private static async Task<DemoRow> InsertRowAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("fanout-demo-");
        try
        {
            console.WriteLine($"insert: {InsertRows} rows into SQLite ...");
            var input = Path.Combine(directory.FullName, "rows.jsonl");
            await File.WriteAllLinesAsync(input, Enumerable.Range(1, InsertRows)
                .Select(i => string.Create(CultureInfo.InvariantCulture, $"{{\"id\":{i},\"name\":\"name {i}\",\"score\":{i % 100}.5}}")), cancellationToken);

            async Task<WorkStats> LoadAsync(string name, int batchSize)
            {
                var stats = new WorkStats();
                var inserter = new Inserter(new InsertOptions { Database = Path.Combine(directory.FullName, name + ".db"), Table = "rows", PrimaryKey = ["id"], BatchSize = batchSize });
                await foreach (var result in inserter.RunAsync([input], () => Stream.Null, _ => { }, new WorkPoolOptions { AbortToken = cancellationToken }, cancellationToken))
                {
                    stats.Add(result);
                }

                stats.Complete();
                return inserter.Totals.Inserted == InsertRows ? stats : throw new InvalidOperationException("the demo lost rows");
            }

            var perRow = await LoadAsync("per-row", 1);
            var batched = await LoadAsync("batched", InsertOptions.DefaultSqliteBatchSize);
            return new DemoRow("insert", $"{InsertRows} rows into SQLite (commit per row → batched)", InsertRows, 1, perRow, batched);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<DemoRow> ReadRowAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("fanout-demo-");
        try
        {
            console.WriteLine($"read: sha256 and line counts of {ReadFiles} files of {ReadFileBytes >> 20} MiB ...");
            var block = new byte[ReadFileBytes];
            for (var i = 0; i < block.Length; i++)
            {
                block[i] = (byte)(i % 97 == 0 ? '\n' : 'a' + (i % 26));
            }

            for (var i = 0; i < ReadFiles; i++)
            {
                await File.WriteAllBytesAsync(Path.Combine(directory.FullName, $"file{i:D3}.log"), block, cancellationToken);
            }

            var reader = new FileReader(new FileReadOptions());
            var files = await reader.FindAsync([directory.FullName], () => Stream.Null, cancellationToken).ToListAsync(cancellationToken);
            var concurrency = Math.Max(2, Environment.ProcessorCount * 2);
            var (sequential, concurrent) = await CompareAsync(files, reader, concurrency, cancellationToken);
            return new DemoRow("read", $"sha256 of {ReadFiles} x {ReadFileBytes >> 20} MiB files ({Environment.ProcessorCount} cores)", ReadFiles, concurrency, sequential, concurrent);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Runs the items with one worker, then with <paramref name="concurrency"/>, after a small warm-up so
    /// neither side is charged for the JIT compiling the code on first use.
    /// </summary>
    private static async Task<(WorkStats Sequential, WorkStats Concurrent)> CompareAsync<TItem, TResult>(IReadOnlyList<TItem> items, IWorkHandler<TItem, TResult> handler, int concurrency, CancellationToken cancellationToken)
    {
        await RunAsync([.. items.Take(concurrency)], handler, concurrency, cancellationToken);
        var sequential = await RunAsync(items, handler, 1, cancellationToken);
        var concurrent = await RunAsync(items, handler, concurrency, cancellationToken);
        return (sequential, concurrent);
    }

    private static async Task<WorkStats> RunAsync<TItem, TResult>(IReadOnlyList<TItem> items, IWorkHandler<TItem, TResult> handler, int concurrency, CancellationToken cancellationToken)
    {
        var stats = new WorkStats();
        var options = new WorkPoolOptions { Concurrency = concurrency, AttemptTimeout = TimeSpan.FromSeconds(10), AbortToken = cancellationToken };
        await foreach (var result in WorkPool.RunAsync(items, handler, options, cancellationToken))
        {
            stats.Add(result);
        }

        stats.Complete();
        return stats;
    }

    private sealed record DemoRow(string Job, string Work, int Items, int Concurrency, WorkStats Sequential, WorkStats Concurrent)
    {
        public string Throughput => string.Create(CultureInfo.InvariantCulture, $"{Items / Sequential.WallTime.TotalSeconds:0.#} → {Items / Concurrent.WallTime.TotalSeconds:0.#}");
    }
}
