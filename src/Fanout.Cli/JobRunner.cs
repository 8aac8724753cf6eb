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
        var unreadable = job.Source is null ? InputReader.FindUnreadable(inputs) : [];
        if (unreadable.Count > 0)
        {
            throw new UsageException(string.Join(Environment.NewLine + "fanout: ", unreadable));
        }

        var stats = new WorkStats();
        await using var progress = ProgressDisplay.Create(settings.Progress, job.Name, job.Noun, stats);
        progress.Extra = job.Status;
        progress.Line = job.ProgressLine;
        using var interruption = new Interruption(progress.Message);
        var pool = settings.Pool with { AbortToken = interruption.AbortToken };

        var file = settings.OutputPath is { } path ? AtomicFile.Create(path) : null;
        await using (file)
        {
            var output = file?.Stream ?? System.Console.OpenStandardOutput();
            // The atomic file's stream stays open past the writer, so committing it can fsync before the rename.
            var writer = RecordWriter.Create(settings.Format, output, leaveOpen: file is not null);
            RunFailure? failure = null;
            progress.Start();
            if (settings.Progress == "bar" && pool.Shard is null && job.Source is null && job.Run is null)
            {
                _ = CountItemsAsync(inputs, progress);
            }

            try
            {
                var results = job.Run?.Invoke(pool, interruption.StopToken)
                    ?? WorkPool.RunAsync(job.Source?.Invoke(interruption.StopToken) ?? ParseAsync(job, inputs, stats, progress, interruption.StopToken), job.Handler!, pool, interruption.StopToken);
                await foreach (var result in results)
                {
                    stats.Add(result);
                    job.Observe?.Invoke(result);
                    if (job.Describe?.Invoke(result) is { } block)
                    {
                        progress.Message(block);
                    }

                    await writer.WriteAsync(result, job.WriteRecord);
                }
            }
            catch (Exception ex) when ((job.ExplainFailure?.Invoke(ex) ?? InputFailure(ex)) is { } explained)
            {
                // The run cannot go on (the input became unreadable, say): the results so far are kept and summed up.
                progress.Message($"fanout: {explained.Message}");
                failure = explained;
            }
            finally
            {
                stats.Complete();
                await writer.DisposeAsync();
            }

            if (file is not null)
            {
                await file.CommitAsync();
            }

            await progress.DisposeAsync();
            job.Completed?.Invoke(stats);
            var sections = job.Sections?.Invoke(stats) ?? [];
            if (!settings.Quiet)
            {
                SummaryPrinter.Print(System.Console.Error, job.Headline?.Invoke(stats, interruption.Interrupted) ?? SummaryPrinter.Headline(job.Noun, pool.Concurrency, stats, interruption.Interrupted), stats, sections, job.ShowTimings);
                foreach (var line in job.Epilogue?.Invoke(stats) ?? [])
                {
                    System.Console.Error.WriteLine(line);
                }
            }

            if (settings.StatsPath is { } statsPath)
            {
                await SummaryPrinter.WriteJsonAsync(statsPath, job.Name, pool.Concurrency, stats, sections, interruption.Interrupted, CancellationToken.None);
            }

            return interruption.Interrupted ? ExitCodes.Interrupted
                : failure is not null ? failure.ExitCode
                : stats.AllSucceeded ? ExitCodes.Success
                : ExitCodes.SomeFailed;
        }
    }

    /// <summary>An input that cannot be read (any more), or is not UTF-8: a usage failure.</summary>
    private static RunFailure? InputFailure(Exception exception) => exception switch
    {
        IOException or FormatException => new RunFailure($"reading input failed: {exception.Message}", ExitCodes.Usage),
        _ => null,
    };

    private static async IAsyncEnumerable<TItem> ParseAsync<TItem, TResult>(
        JobSpec<TItem, TResult> job,
        IReadOnlyList<string> inputs,
        WorkStats stats,
        ProgressDisplay progress,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var line in InputReader.ReadLinesAsync(inputs, System.Console.OpenStandardInput, cancellationToken))
        {
            TItem item;
            try
            {
                item = job.Parse!(line);
            }
            catch (InputFormatException ex)
            {
                stats.AddInvalidInput();
                progress.Message($"{ex.Location}: {ex.Reason}");
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
        catch (IOException)
        {
            // Only a nicety for the bar; the run itself reports unreadable input.
        }
    }
}
