namespace Fanout.Processes;

/// <summary>What a command did, on its last run (runs are attempts: see <see cref="Engine.WorkResult{TItem,TResult}.Attempts"/>).</summary>
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

    /// <summary>
    /// Processes the command left running after it ended, outside its process group (a <c>setsid</c> daemon), found in
    /// its cgroup and killed; 0 where cgroups are not available (such processes are then not seen).
    /// </summary>
    public int Survivors { get; init; }

    /// <summary>Duration of the last run.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>The earlier failed runs, oldest first, for reports (JUnit <c>flakyFailure</c>/<c>rerunFailure</c>); a pass with earlier runs is flaky.</summary>
    public IReadOnlyList<CommandResult> EarlierRuns { get; init; } = [];

    /// <summary>The outcome as records and reports name it: <c>passed</c>, <c>failed</c>, <c>skipped</c> or <c>timed_out</c>.</summary>
    public string OutcomeName => Outcome switch
    {
        CommandOutcome.Passed => "passed",
        CommandOutcome.Failed => "failed",
        CommandOutcome.Skipped => "skipped",
        _ => "timed_out",
    };

    /// <summary>The exit code in words: <c>exit code 3</c>, <c>killed by signal 15</c>.</summary>
    public string ExitDescription => CommandRunner.ExitDescription(ExitCode);
}
