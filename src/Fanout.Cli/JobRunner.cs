using System.Runtime.CompilerServices;
using Fanout.Cli.Console;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Cli;

/// <summary>
/// The run loop every job shares: input lines, parsed into items (bad lines reported and counted),
/// through the pool, results to the chosen writer, progress and summary on stderr, and the exit code.
/// </summary>
internal static class JobRunner
{
    public static async Task<int> RunAsync<TItem, TResult>(JobSpec<TItem, TResult> job, CommonSettings settings, IReadOnlyList<string> inputs)
    {
        var unreadable = job.Source is null && settings.Queue is null ? InputReader.FindUnreadable(inputs) : [];
        if (unreadable.Count > 0)
        {
            throw new UsageException(unreadable);
        }

        if (job.Source is null && settings.Queue is null && (inputs.Count == 0 || inputs.Contains(InputReader.StandardInputName)) && !System.Console.IsInputRedirected)
        {
            System.Console.Error.WriteLine($"fanout: reading {job.Expected} from stdin; Ctrl+D to end");
        }

        // --resume: the keys an earlier run's journal lists as done are not run again.
        Dictionary<string, bool>? journaled = null;
        if (settings.Resume != ResumeMode.None)
        {
            if (job.Run is not null)
            {
                throw new UsageException($"{job.Name}: --resume is not needed: rerun with --upsert or --ignore, the table itself says what is done");
            }

            journaled = JobLog.ReadOutcomes(settings.JobLogPath!);
        }

        JobLog? journal;
        try
        {
            journal = settings.JobLogPath is { } journalPath ? JobLog.Open(journalPath) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--joblog: cannot open {settings.JobLogPath}: {ex.Message}");
        }

        using var journalScope = journal;
        QueueWork? queued = null;
        if (settings.Queue is { } queueTarget)
        {
            if (job.Run is not null || job.Parse is null)
            {
                throw new UsageException($"{job.Name}: --queue works for jobs that read input lines (http, download, test, run)");
            }

            var (database, name) = QueueCommand.ParseTarget(queueTarget);
            queued = new QueueWork(await QueueCommand.OpenAsync(database, name, CancellationToken.None), settings.Lease, settings.Pool.Retries + 1);
        }

        await using var queueScope = queued;
        var resumed = new ResumeFilter(journaled, settings.Resume);
        var stats = new WorkStats();
        for (var i = 0; i < job.InvalidInputs; i++)
        {
            stats.AddInvalidInput();
        }
        var progressMode = settings.Progress == "bar" && !System.Console.IsOutputRedirected && settings.Format != OutputFormat.Table && settings.OutputPath is null && job.RecordsOnStdout
            ? "plain" // Records streaming to the same terminal would tear a bar; a table is held to the end instead.
            : settings.Progress;
        await using var progress = ProgressDisplay.Create(progressMode, job.Name, job.Noun, stats);
        if (settings.Pool.Auto is { } autoLimit)
        {
            progress.Limit = () => autoLimit.CurrentTotal;
        }
        progress.Extra = job.Status;
        progress.Line = job.ProgressLine;
        progress.Total = job.Total;
        using var interruption = new Interruption(progress.Message);
        // With --queue, attempts count across workers: each lease is one attempt, a failure goes back to the queue.
        var pool = settings.Pool with { AbortToken = interruption.AbortToken, Retries = queued is null ? settings.Pool.Retries : 0 };

        var file = settings.OutputPath is { } path ? AtomicFile.Create(path) : null;
        await using (file)
        {
            // The atomic file's stream stays open past the writer, so committing it can fsync before the rename.
            var writer = file is not null ? RecordWriter.Create(settings.Format, file.Stream, leaveOpen: true)
                : job.RecordsOnStdout ? RecordWriter.Create(settings.Format, System.Console.OpenStandardOutput())
                : null;
            RunFailure? failure = null;
            await using var report = ReportFile.Create(settings.ReportPath, job.Name, pool.Workers);
            var source = new CountedSource();
            progress.Start();
            if (progressMode == "bar" && pool.Shard is null && job.Source is null && job.Run is null)
            {
                _ = CountItemsAsync(inputs, progress);
            }

            try
            {
                var results = job.Run?.Invoke(pool, interruption.StopToken)
                    ?? WorkPool.RunAsync(source.Count(resumed.Apply(queued?.ItemsAsync(job, pool.Workers * 2, stats, progress, interruption.StopToken) ?? job.Source?.Invoke(interruption.StopToken) ?? ParseAsync(job, inputs, stats, progress, interruption.StopToken), job.Handler!)), job.Handler!, pool, interruption.StopToken);
                await foreach (var result in results)
                {
                    stats.Add(result);
                    journal?.Write(result, status: job.JournalStatus?.Invoke(result));
                    if (queued is not null)
                    {
                        await queued.FinishAsync(result, job.WriteRecord);
                    }
                    job.Observe?.Invoke(result);
                    job.Passthrough?.Invoke(result);
                    if (job.Describe?.Invoke(result) is { } block)
                    {
                        progress.Message(block);
                    }

                    if (writer is not null)
                    {
                        await writer.WriteAsync(result, job.WriteRecord);
                    }

                    if (report is not null)
                    {
                        await report.AddAsync(result, job.WriteRecord);
                    }
                }

                if (queued is not null)
                {
                    await queued.CompleteAsync();
                }
            }
            catch (Exception ex) when ((job.ExplainFailure?.Invoke(ex) ?? InputFailure(ex) ?? QueueFailure(ex, settings)) is { } explained)
            {
                // The run cannot go on (the input became unreadable, say): the results so far are kept and summed up.
                progress.Message($"fanout: {Terminal.Escape(explained.Message)}");
                failure = explained;
            }
            finally
            {
                stats.Complete();
                // What the pool never took up: of a planned list, all the rest; of a stream, what it had read ahead.
                stats.AddNotStarted(Math.Max(0, (job.Total ?? source.Produced) - stats.Completed));
                await progress.DisposeAsync();
                if (writer is not null)
                {
                    await writer.DisposeAsync();
                }
            }

            if (file is not null)
            {
                await file.CommitAsync();
            }

            // An input that holds nothing to do is a mistake more often than not (a glob that matches nothing, an
            // empty list from a failed step): the same rule for every job.
            // A queue worker that found nothing left (the others finished it) is not a mistake.
            var empty = failure is null && !interruption.Interrupted && stats.Completed == 0 && stats.InvalidInputs == 0 && resumed.Skipped == 0 && queued is null;
            if (empty)
            {
                System.Console.Error.WriteLine($"fanout: no {job.Expected} in the input");
                return ExitCodes.Usage;
            }

            job.Completed?.Invoke(stats);
            var sections = job.Sections?.Invoke(stats) ?? [];
            if (pool.Auto is { } auto)
            {
                sections = [.. sections, new AutoLimitSection(auto.Snapshot())];
            }

            // One item, or a rate that paces the items, makes "speedup over sequential" a figure of nothing.
            var showSpeedup = job.ShowSpeedup && pool.RatePerSecond is null && stats.Completed > 1 && (pool.Auto is not null || pool.Concurrency > 1);
            if (!settings.Quiet)
            {
                SummaryPrinter.Print(System.Console.Error, job.Headline?.Invoke(stats, interruption.Interrupted) ?? SummaryPrinter.Headline(job.Noun, SummaryPrinter.ConcurrencyLabel(pool), stats, interruption.Interrupted), stats, sections, showSpeedup, job.ShowLatency);
                if (stats.NotStarted > 0 && !source.Exhausted && job.Total is null)
                {
                    System.Console.Error.WriteLine("  (the run stopped before the end of the input; the rest was not read)");
                }

                if (stats.ErrorsByKind.Any(e => e.Key == WorkError.DiskFullKind))
                {
                    System.Console.Error.WriteLine("  stopped: the disk is full (or over quota), so nothing more was started; free some space and run it again");
                }

                if (resumed.Skipped > 0)
                {
                    System.Console.Error.WriteLine($"  resumed: {resumed.Skipped} {job.Noun} the journal ({settings.JobLogPath}) lists as {(settings.Resume == ResumeMode.SkipOk ? "ok" : "finished")} were skipped");
                }

                foreach (var line in job.Epilogue?.Invoke(stats, interruption.Interrupted) ?? [])
                {
                    System.Console.Error.WriteLine(line);
                }
            }

            if (report is not null)
            {
                await report.WriteAsync(pool.Auto);
                if (!settings.Quiet)
                {
                    System.Console.Error.WriteLine($"  report: {Terminal.Escape(settings.ReportPath!)}");
                }
            }

            if (settings.StatsPath is { } statsPath)
            {
                await SummaryPrinter.WriteJsonAsync(statsPath, job.Name, pool.Auto?.CurrentTotal ?? pool.Concurrency, stats, sections, interruption.Interrupted, showSpeedup, job.ShowLatency, CancellationToken.None);
            }

            return interruption.Interrupted ? ExitCodes.Interrupted
                : failure is not null ? failure.ExitCode
                : stats.AllSucceeded && job.MeetsThresholds?.Invoke(stats) != false ? ExitCodes.Success
                : ExitCodes.SomeFailed;
        }
    }

    /// <summary>An input that cannot be read (any more), or is not UTF-8: a usage failure.</summary>
    private static RunFailure? InputFailure(Exception exception) => exception switch
    {
        IOException or FormatException => new RunFailure($"reading input failed: {exception.Message}", ExitCodes.Usage),
        _ => null,
    };

    /// <summary>The queue's database failed mid-run (after the write-back's own retries): this worker stops.</summary>
    private static RunFailure? QueueFailure(Exception exception, CommonSettings settings) => settings.Queue is not null && exception is Npgsql.NpgsqlException or System.Net.Sockets.SocketException
        ? new RunFailure($"--queue: the database failed: {WorkError.Flatten(exception.Message)}; this worker stopped (what it held goes back to the queue when its leases run out, in {SummaryPrinter.Format(settings.Lease)})", ExitCodes.Usage)
        : null;

    private static async IAsyncEnumerable<TItem> ParseAsync<TItem, TResult>(
        JobSpec<TItem, TResult> job,
        IReadOnlyList<string> inputs,
        WorkStats stats,
        ProgressDisplay progress,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var line in InputReader.ReadLinesAsync(inputs, System.Console.OpenStandardInput, cancellationToken))
        {
            TItem? item;
            try
            {
                item = job.Parse!(line);
            }
            catch (InputFormatException ex)
            {
                stats.AddInvalidInput();
                progress.Message(Terminal.Escape($"{ex.Location}: {ex.Reason}"));
                continue;
            }

            // A line that holds no item (the header of a CSV of rows).
            if (item is null)
            {
                continue;
            }

            yield return item;
        }
    }

    /// <summary>Counts the input lines of named files in the background, so the bar can show a total and an ETA.</summary>
    private static async Task CountItemsAsync(IReadOnlyList<string> inputs, ProgressDisplay progress)
    {
        if (inputs.Count == 0 || inputs.Contains(InputReader.StandardInputName))
        {
            return;
        }

        try
        {
            long count = 0;
            await foreach (var _ in InputReader.ReadLinesAsync(inputs, () => Stream.Null))
            {
                count++;
            }

            progress.Total = count;
        }
        catch (Exception ex) when (ex is IOException or FormatException)
        {
            // Only a nicety for the bar; the run itself reports unreadable input.
        }
    }

    /// <summary>How many items the pool took from the input, and whether it took them all: what a stopped run never started.</summary>
    private sealed class CountedSource
    {
        private long _produced;

        public long Produced => Interlocked.Read(ref _produced);

        public bool Exhausted { get; private set; }

        public async IAsyncEnumerable<T> Count<T>(IAsyncEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _produced);
                yield return item;
            }

            Exhausted = true;
        }
    }

    /// <summary>Drops the items an earlier run's journal lists as done (<c>--resume</c>), counting them.</summary>
    private sealed class ResumeFilter(Dictionary<string, bool>? journaled, ResumeMode mode)
    {
        public long Skipped { get; private set; }

        public IAsyncEnumerable<TItem> Apply<TItem, TResult>(IAsyncEnumerable<TItem> items, IWorkHandler<TItem, TResult> handler) =>
            journaled is null ? items : FilterAsync(items, handler);

        private async IAsyncEnumerable<TItem> FilterAsync<TItem, TResult>(IAsyncEnumerable<TItem> items, IWorkHandler<TItem, TResult> handler)
        {
            await foreach (var item in items.ConfigureAwait(false))
            {
                if (journaled!.TryGetValue(handler.GetKey(item), out var ok) && (ok || mode == ResumeMode.SkipFinished))
                {
                    Skipped++;
                    continue;
                }

                yield return item;
            }
        }
    }
}
