namespace Fanout.Processes;

/// <summary>What a command did, on its last run.</summary>
public sealed record CommandResult
{
    /// <summary>The outcome of the last run.</summary>
    public required CommandOutcome Outcome { get; init; }

    /// <summary>The exit code, or 128 + signal number when killed, as shells report it.</summary>
    public required int ExitCode { get; init; }

    /// <summary>The end of standard output (at most <see cref="CommandOptions.OutputCapBytes"/>).</summary>
    public required string Stdout { get; init; }

    /// <summary>The end of standard error.</summary>
    public required string Stderr { get; init; }

    /// <summary>Whether output was cut to the cap.</summary>
    public bool OutputTruncated { get; init; }

    /// <summary>Duration of the last run.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Runs made (1 when no rerun was needed).</summary>
    public required int Runs { get; init; }

    /// <summary>Failed a run, then passed a rerun.</summary>
    public bool Flaky { get; init; }

    /// <summary>The earlier failed runs, oldest first, for reports (JUnit <c>flakyFailure</c>/<c>rerunFailure</c>).</summary>
    public IReadOnlyList<CommandResult> EarlierRuns { get; init; } = [];
}
