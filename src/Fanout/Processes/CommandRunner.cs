using System.Diagnostics;
using System.Globalization;
using Fanout.Engine;

namespace Fanout.Processes;

/// <summary>
/// Runs commands for a <see cref="WorkPool"/>: each in its own session and process group (<see cref="ChildProcess"/>), output
/// captured to bounded tails, a time limit that stops the whole group (SIGTERM, a grace period, then
/// SIGKILL), and reruns of failures that mark a later pass as flaky. Cancellation (fail-fast, a second
/// Ctrl+C) stops the group the same way.
/// </summary>
public sealed class CommandRunner(CommandOptions options) : IWorkHandler<CommandItem, CommandResult>
{
    /// <summary>Error kind of a command that exited non-zero.</summary>
    public const string FailedKind = "failed";

    private const int NotExecutable = 8;
    private static readonly TimeSpan PipeDrainLimit = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LeftoverGrace = TimeSpan.FromMilliseconds(200);

    /// <inheritdoc/>
    public string GetKey(CommandItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Name;
    }

    /// <inheritdoc/>
    public async ValueTask<AttemptOutcome<CommandResult>> HandleAsync(CommandItem item, AttemptContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var reruns = item.Retries ?? options.Retries;
        var earlier = new List<CommandResult>();
        CommandResult result;
        for (var run = 1; ; run++)
        {
            var once = await RunOnceAsync(item, cancellationToken).ConfigureAwait(false);
            if (once.Outcome is CommandOutcome.Passed or CommandOutcome.Skipped || run > reruns)
            {
                result = once with { Runs = run, Flaky = once.Outcome == CommandOutcome.Passed && earlier.Count > 0, EarlierRuns = earlier };
                break;
            }

            earlier.Add(once);
        }

        return result.Outcome switch
        {
            CommandOutcome.Passed or CommandOutcome.Skipped => AttemptOutcome<CommandResult>.Success(result),
            CommandOutcome.TimedOut => AttemptOutcome<CommandResult>.Failure(
                new WorkError(WorkError.TimeoutKind, $"timed out after {DurationFormat.Format(item.Timeout ?? options.Timeout ?? TimeSpan.Zero)}; process group stopped") { ExitCode = result.ExitCode },
                result),
            _ => AttemptOutcome<CommandResult>.Failure(new WorkError(FailedKind, ExitDescription(result.ExitCode)) { ExitCode = result.ExitCode }, result),
        };
    }

    internal static string ExitDescription(int exitCode) =>
        exitCode == ChildProcess.UnknownExitCode ? "exit status unknown (another part of this process reaped the child)"
        : exitCode > 128 && exitCode < 160
            ? string.Create(CultureInfo.InvariantCulture, $"killed by signal {exitCode - 128}")
            : string.Create(CultureInfo.InvariantCulture, $"exit code {exitCode}");

    private async Task<CommandResult> RunOnceAsync(CommandItem item, CancellationToken cancellationToken)
    {
        var stdout = new TailBuffer(options.OutputCapBytes);
        var stderr = new TailBuffer(options.OutputCapBytes);
        var clock = Stopwatch.StartNew();
        using var process = Start(item);
        var group = process.Id;
        using var pumps = new CancellationTokenSource();
        var reading = Task.WhenAll(
            PumpAsync(process.StandardOutput, stdout, pumps.Token),
            PumpAsync(process.StandardError, stderr, pumps.Token));

        var limit = item.Timeout ?? options.Timeout;
        using var deadline = limit is { } l ? new CancellationTokenSource(l) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
            await StopAsync(process, group, options.KillGrace).ConfigureAwait(false);
        }

        var duration = clock.Elapsed;

        // A command that exited may have left children in its group: they would hold the pipes open.
        if (HasLiveMembers(group))
        {
            await StopAsync(process, group, LeftoverGrace).ConfigureAwait(false);
        }

        await Task.WhenAny(reading, Task.Delay(PipeDrainLimit, CancellationToken.None)).ConfigureAwait(false);
        await pumps.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        var exitCode = process.HasExited ? process.ExitCode : 128 + ProcessGroup.SigKill;
        return new CommandResult
        {
            Outcome = timedOut ? CommandOutcome.TimedOut
                : exitCode == 0 ? CommandOutcome.Passed
                : exitCode == options.SkipExitCode ? CommandOutcome.Skipped
                : CommandOutcome.Failed,
            ExitCode = exitCode,
            Stdout = stdout.Text(),
            Stderr = stderr.Text(),
            OutputTruncated = stdout.Truncated || stderr.Truncated,
            Duration = duration,
            Runs = 1,
        };
    }

    private ChildProcess Start(CommandItem item)
    {
        var (program, arguments) = CommandLine.Parse(item.Command, options.Shell, item.Environment);
        try
        {
            return ChildProcess.Start(program, arguments, item.Environment, item.WorkingDirectory);
        }
        catch (System.ComponentModel.Win32Exception ex) when (ex.NativeErrorCode == NotExecutable && program != options.Shell)
        {
            // A program file without a #! line: the shell runs such a file as a script, so let it.
            return ChildProcess.Start(options.Shell, [options.Shell, "-c", item.Command], item.Environment, item.WorkingDirectory);
        }
    }

    /// <summary>SIGTERM to the group, up to <paramref name="grace"/> for it to go, then SIGKILL.</summary>
    private static async Task StopAsync(ChildProcess process, int group, TimeSpan grace)
    {
        ProcessGroup.Signal(group, ProcessGroup.SigTerm);
        var clock = Stopwatch.StartNew();
        while (HasLiveMembers(group) && clock.Elapsed < grace)
        {
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        }

        ProcessGroup.Signal(group, ProcessGroup.SigKill);
        using var reap = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(reap.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // SIGKILL cannot be refused; a process stuck in the kernel is reported as killed all the same.
        }
    }

    /// <summary>Whether a group member is still running (zombies left for an init that never reaps them do not count).</summary>
    internal static bool HasLiveMembers(int group)
    {
        if (!ProcessGroup.Exists(group))
        {
            return false;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            var stat = Path.Combine(directory, "stat");
            string text;
            try
            {
                text = File.ReadAllText(stat);
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // pid (comm) state ppid pgrp ...: comm may contain spaces, so parse after the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 2 && fields[2] == group.ToString(CultureInfo.InvariantCulture) && fields[0] != "Z")
            {
                return true;
            }
        }

        return false;
    }

    private static async Task PumpAsync(Stream stream, TailBuffer buffer, CancellationToken cancellationToken)
    {
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk.AsSpan(0, read));
            }
        }
        catch (OperationCanceledException)
        {
            // The command is gone and something outside its group still holds the pipe: stop reading.
        }
    }
}
