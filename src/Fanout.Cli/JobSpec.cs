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

    /// <summary>Turns a line into an item (null for a line that holds none: a CSV header); throws <see cref="InputFormatException"/> for a bad one. Used unless <see cref="Source"/> or <see cref="Run"/> is set.</summary>
    public Func<InputLine, TItem?>? Parse { get; init; }

    /// <summary>
    /// The items, for jobs whose inputs are not files of lines (paths and globs, say). The inputs
    /// are then not opened as line files; problems with them become the items' own errors.
    /// </summary>
    public Func<CancellationToken, IAsyncEnumerable<TItem>>? Source { get; init; }

    /// <summary>Makes attempts at the items; not used with <see cref="Run"/>.</summary>
    public IWorkHandler<TItem, TResult>? Handler { get; init; }

    /// <summary>The results, for a job that is a pipeline of its own rather than items through the pool (a load): given the pool options and the stop token.</summary>
    public Func<WorkPoolOptions, CancellationToken, IAsyncEnumerable<WorkResult<TItem, TResult>>>? Run { get; init; }

    /// <summary>Writes one result's output record.</summary>
    public required Action<WorkResult<TItem, TResult>, IRecordFieldWriter> WriteRecord { get; init; }

    /// <summary>Whether records go to stdout when no <c>--output</c> is given (<c>run</c> keeps stdout for the commands' own output).</summary>
    public bool RecordsOnStdout { get; init; } = true;

    /// <summary>What the job writes itself as each item finishes (a command's own output), in the order results arrive, never interleaved.</summary>
    public Action<WorkResult<TItem, TResult>>? Passthrough { get; init; }

    /// <summary>How many items there are, when the job knows before the run (a planned list of tests): the bar's total.</summary>
    public long? Total { get; init; }

    /// <summary>Input lines found invalid before the run (a job that reads its whole input first), counted with the rest.</summary>
    public int InvalidInputs { get; init; }

    /// <summary>What the input is expected to hold, for the message when it holds nothing ("URLs", "tests").</summary>
    public required string Expected { get; init; }

    /// <summary>Sees every result, for the job's own summary sections.</summary>
    public Action<WorkResult<TItem, TResult>>? Observe { get; init; }

    /// <summary>A block to print on stderr when an item finishes (a test's output), or <see langword="null"/>; printed whole, never interleaved.</summary>
    public Func<WorkResult<TItem, TResult>, string?>? Describe { get; init; }

    /// <summary>Lines that end the summary (a test run's "N passed, N failed, N skipped"), given whether the run was interrupted.</summary>
    public Func<WorkStats, bool, IEnumerable<string>>? Epilogue { get; init; }

    /// <summary>Whether the run met its thresholds (<c>--threshold</c>); a run that did not exits 1 even when every item was ok.</summary>
    public Func<WorkStats, bool>? MeetsThresholds { get; init; }

    /// <summary>Extra text for the live progress line (bytes and speed of downloads).</summary>
    public Func<string>? Status { get; init; }

    /// <summary>The live progress line itself, for a job whose items are not what it counts (a load counts rows).</summary>
    public Func<WorkStats, string>? ProgressLine { get; init; }

    /// <summary>Called once the run is over, with its totals.</summary>
    public Action<WorkStats>? Completed { get; init; }

    /// <summary>The job's own summary sections, read after the run from its totals.</summary>
    public Func<WorkStats, IReadOnlyList<SummarySection>>? Sections { get; init; }

    /// <summary>The summary's first lines (what was done, how fast), for a job that counts something else than items; the engine's count lines otherwise.</summary>
    public Func<WorkStats, bool, IEnumerable<string>>? Headline { get; init; }

    /// <summary>Whether the speedup over a sequential run means something (work that waits; not CPU-bound work); never under a rate.</summary>
    public bool ShowSpeedup { get; init; } = true;

    /// <summary>Whether item latencies mean something (not for a load's chunks).</summary>
    public bool ShowLatency { get; init; } = true;

    /// <summary>A failure of the run as a whole that the job explains (an unreachable database), or <see langword="null"/> to let it through.</summary>
    public Func<Exception, RunFailure?>? ExplainFailure { get; init; }

    /// <summary>The status figure the journal (<c>--joblog</c>) keeps for an item: an HTTP status, an exit code.</summary>
    public Func<WorkResult<TItem, TResult>, int?>? JournalStatus { get; init; }
}

/// <summary>Why a run stopped early, in one line, and the exit code it gets.</summary>
/// <param name="Message">The line (without the "fanout: " prefix).</param>
/// <param name="ExitCode">The exit code.</param>
internal sealed record RunFailure(string Message, int ExitCode);
