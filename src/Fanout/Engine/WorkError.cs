namespace Fanout.Engine;

/// <summary>
/// What went wrong with one item: a short machine-readable kind, a human message, and the
/// job-specific code (HTTP status, process exit code) when there is one.
/// </summary>
/// <param name="Kind">A stable, lower-case category such as <c>timeout</c>, <c>http</c>, <c>network</c>,
/// <c>cancelled</c>, <c>disk_full</c>, <c>file</c>, or the exception type name for unexpected errors.</param>
/// <param name="Message">A one-line description for people.</param>
public sealed record WorkError(string Kind, string Message)
{
    /// <summary>Kind of an attempt that ran past the per-attempt timeout.</summary>
    public const string TimeoutKind = "timeout";

    /// <summary>Kind of an item stopped because the run was aborted or hit its failure limit.</summary>
    public const string CancelledKind = "cancelled";

    /// <summary>
    /// Kind of a write that found the disk full (or over quota): not retried, and it stops the run, since every other
    /// item would fill the same disk.
    /// </summary>
    public const string DiskFullKind = "disk_full";

    /// <summary>Kind of an input/output failure of a local file (a write refused, a link in the way).</summary>
    public const string FileKind = "file";

    /// <summary>The HTTP status code of the last response, when the failure was an HTTP response.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The exit code of a child process, when the failure was a process exit.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Captures an unexpected exception as an error, keeping its type name and message.</summary>
    /// <param name="exception">The exception a handler threw.</param>
    /// <returns>An error whose kind is the exception's type name.</returns>
    public static WorkError FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return IsDiskFull(exception) ? new WorkError(DiskFullKind, Flatten(exception.Message))
            : exception is IOException or UnauthorizedAccessException ? new WorkError(FileKind, Flatten(exception.Message))
            : new WorkError(exception.GetType().Name, Flatten(exception.Message));
    }

    /// <summary>Whether an exception is a full disk or an exhausted quota (ENOSPC, EDQUOT; on Windows, ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL).</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>Whether it is.</returns>
    public static bool IsDiskFull(Exception exception) =>
        exception is IOException { HResult: 28 or 122 or unchecked((int)0x80070070) or unchecked((int)0x80070027) };

    /// <summary>Collapses a multi-line message into one line, so a JSONL record or summary row stays readable.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The message on one line.</returns>
    public static string Flatten(string message) =>
        message.ReplaceLineEndings(" ").Trim();
}
