using Fanout.Cli.Console;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Cli;

/// <summary>What the <see cref="JobRunner"/> needs to know about one job kind.</summary>
internal sealed record JobSpec<TItem, TResult>
{
    /// <summary>The subcommand name, used in progress lines.</summary>
    public required string Name { get; init; }

    /// <summary>What the items are called in the summary ("requests", "files").</summary>
    public required string Noun { get; init; }

    /// <summary>Turns a line into an item; throws <see cref="InputFormatException"/> for a bad one. Used unless <see cref="Source"/> is set.</summary>
    public Func<InputLine, TItem>? Parse { get; init; }

    /// <summary>
    /// The items, for jobs whose inputs are not files of lines (paths and globs, say). The inputs
    /// are then not opened as line files; problems with them become the items' own errors.
    /// </summary>
    public Func<CancellationToken, IAsyncEnumerable<TItem>>? Source { get; init; }

    public required IWorkHandler<TItem, TResult> Handler { get; init; }

    /// <summary>Writes one result's output record.</summary>
    public required Action<WorkResult<TItem, TResult>, IRecordFieldWriter> WriteRecord { get; init; }

    /// <summary>Sees every result, for the job's own summary sections.</summary>
    public Action<WorkResult<TItem, TResult>>? Observe { get; init; }

    /// <summary>A block to print on stderr when an item finishes (a test's output), or <see langword="null"/>; printed whole, never interleaved.</summary>
    public Func<WorkResult<TItem, TResult>, string?>? Describe { get; init; }

    /// <summary>Lines that end the summary (a test run's "N passed, N failed, N skipped").</summary>
    public Func<WorkStats, IEnumerable<string>>? Epilogue { get; init; }

    /// <summary>Extra text for the live progress line (bytes and speed of downloads).</summary>
    public Func<string>? Status { get; init; }

    /// <summary>Called once the run is over, with its totals.</summary>
    public Action<WorkStats>? Completed { get; init; }

    /// <summary>The job's own summary sections, read after the run from its totals.</summary>
    public Func<WorkStats, IReadOnlyList<SummarySection>>? Sections { get; init; }
}
