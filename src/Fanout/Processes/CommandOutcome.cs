namespace Fanout.Processes;

/// <summary>How a command ended, in test terms.</summary>
public enum CommandOutcome
{
    /// <summary>Exit code 0.</summary>
    Passed,

    /// <summary>Any other exit code, or killed by a signal.</summary>
    Failed,

    /// <summary>The skip exit code (77 by default).</summary>
    Skipped,

    /// <summary>Stopped for running past its time limit.</summary>
    TimedOut,
}
