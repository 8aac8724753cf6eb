using System.Globalization;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Processes;

/// <summary>
/// Runs commands for a <see cref="WorkPool"/>: each in its own session and process group (<see cref="ChildProcess"/>), output
/// captured to bounded tails. When the attempt's token fires (its time limit, fail-fast, a second Ctrl+C) the whole group
/// is stopped (SIGTERM, a grace period, then SIGKILL) and the run is reported as timed out. A failed or timed-out run is
/// worth another attempt: the pool's retries rerun it at once, and a pass on a rerun is flaky (passed with more than one
/// attempt); the earlier runs are kept in <see cref="CommandResult.EarlierRuns"/>.
/// </summary>
/// <param name="options">How commands are run (a template that cannot be quoted safely throws <see cref="FormatException"/> here).</param>
/// <param name="timeProvider">The clock for durations and the kill grace; the system clock by default.</param>
public sealed class CommandRunner(CommandOptions options, TimeProvider? timeProvider = null) : IWorkHandler<CommandItem, CommandResult>
{
    /// <summary>Error kind of a command that exited non-zero.</summary>
    public const string FailedKind = "failed";

    private const int NotExecutable = 8;
    private static readonly TimeSpan PipeDrainLimit = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LeftoverGrace = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ReapLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly CommandTemplate? _template = options.Template is { } template ? CommandTemplate.Parse(template) : null;

    /// <inheritdoc/>
    public string GetKey(CommandItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Name;
    }

    /// <summary>A command's own <c>retries</c>, from its JSONL spec.</summary>
    /// <param name="item">The command.</param>
    /// <returns>Its retries, or <see langword="null"/> for the pool's.</returns>
    public int? GetRetries(CommandItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Retries;
    }

    /// <summary>A command's own <c>timeout</c>, from its JSONL spec.</summary>
    /// <param name="item">The command.</param>
    /// <returns>Its time limit, or <see langword="null"/> for the pool's.</returns>
    public TimeSpan? GetAttemptTimeout(CommandItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Timeout;
    }

    /// <summary>The latest run, keeping the earlier (failed) ones for reports.</summary>
    /// <param name="earlier">The result before this run, if any.</param>
    /// <param name="latest">This run's result.</param>
    /// <returns>The result.</returns>
    public CommandResult? MergeAttempts(CommandResult? earlier, CommandResult? latest) =>
        earlier is null || latest is null ? latest : latest with { EarlierRuns = [.. earlier.EarlierRuns, earlier with { EarlierRuns = [] }] };

    /// <inheritdoc/>
    public async ValueTask<AttemptOutcome<CommandResult>> HandleAsync(CommandItem item, AttemptContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var result = await RunOnceAsync(item, cancellationToken).ConfigureAwait(false);
        return result.Outcome switch
        {
            CommandOutcome.Passed => AttemptOutcome<CommandResult>.Success(result),
            CommandOutcome.Skipped => AttemptOutcome<CommandResult>.Skip(result),

            // A rerun goes at once: a test's failure is not a server that needs time to recover.
            CommandOutcome.TimedOut => AttemptOutcome<CommandResult>.Failure(
                new WorkError(WorkError.TimeoutKind, $"timed out after {DurationFormat.Format(context.Timeout ?? result.Duration)}; process group stopped") { ExitCode = result.ExitCode },
                result,
                isTransient: true,
                retryAfter: TimeSpan.Zero),
            _ => AttemptOutcome<CommandResult>.Failure(new WorkError(FailedKind, ExitDescription(result.ExitCode)) { ExitCode = result.ExitCode }, result, isTransient: true, retryAfter: TimeSpan.Zero),
        };
    }

    /// <summary>
    /// Turns an input line into a command: a shell command (named by itself), <c>NAME&lt;TAB&gt;COMMAND</c>, JSONL
    /// <c>{"name","cmd","cwd","env","timeout","retries"}</c>, or with <see cref="CommandOptions.Template"/>, the value for <c>{}</c>.
    /// </summary>
    /// <param name="line">The line.</param>
    /// <param name="index">Its position among the commands, from 0 (the template's <c>{#}</c> is this plus 1).</param>
    /// <returns>The command.</returns>
    /// <exception cref="InputFormatException">The line is not a command.</exception>
    public CommandItem ParseLine(InputLine line, long index) => CommandInput.Parse(line, _template, index);

    /// <summary>Writes the output record of one command or test.</summary>
    /// <param name="result">The command's result.</param>
    /// <param name="fields">Where the fields go.</param>
    public static void WriteRecord(WorkResult<CommandItem, CommandResult> result, IRecordFieldWriter fields) => CommandRecord.Write(result, fields);

    internal static string ExitDescription(int exitCode) =>
        exitCode == ChildProcess.UnknownExitCode ? "exit status unknown (another part of this process reaped the child)"
        : exitCode > 128 && exitCode < 160
            ? string.Create(CultureInfo.InvariantCulture, $"killed by signal {exitCode - 128}")
            : string.Create(CultureInfo.InvariantCulture, $"exit code {exitCode}");

    /// <summary>Runs the command once; when <paramref name="cancellationToken"/> fires, its group is stopped and the run is timed out.</summary>
    private async Task<CommandResult> RunOnceAsync(CommandItem item, CancellationToken cancellationToken)
    {
        var stdout = new TailBuffer(options.OutputCapBytes);
        var stderr = new TailBuffer(options.OutputCapBytes);
        var start = _time.GetTimestamp();
        using var cgroup = options.Contain ? ProcessCgroup.TryCreate() : null;
        using var process = Start(item, cgroup);
        var group = process.Id;
        using var pumps = new CancellationTokenSource();
        var reading = Task.WhenAll(
            PumpAsync(process.StandardOutput, stdout, pumps.Token),
            PumpAsync(process.StandardError, stderr, pumps.Token));

        var stopped = false;
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            stopped = true;
            await StopAsync(process, group, options.KillGrace).ConfigureAwait(false);
        }

        var duration = _time.GetElapsedTime(start);

        // A command that exited may have left children in its group: they would hold the pipes open.
        if (HasLiveMembers(group))
        {
            await StopAsync(process, group, LeftoverGrace).ConfigureAwait(false);
        }

        // What is still running now left the command's session (setsid, a daemon): only its cgroup knows of it.
        var survivors = 0;
        if (cgroup?.Members().Count is > 0 and var left)
        {
            survivors = left;
            cgroup.Kill();
        }

        await Task.WhenAny(reading, Task.Delay(PipeDrainLimit, _time, CancellationToken.None)).ConfigureAwait(false);
        await pumps.CancelAsync().ConfigureAwait(false);

        var exitCode = process.HasExited ? process.ExitCode : 128 + ProcessGroup.SigKill;
        return new CommandResult
        {
            Outcome = stopped ? CommandOutcome.TimedOut
                : exitCode == 0 ? CommandOutcome.Passed
                : exitCode == options.SkipExitCode ? CommandOutcome.Skipped
                : CommandOutcome.Failed,
            ExitCode = exitCode,
            Stdout = stdout.Text(),
            Stderr = stderr.Text(),
            OutputTruncated = stdout.Truncated || stderr.Truncated,
            Duration = duration,
            Survivors = survivors,
        };
    }

    private ChildProcess Start(CommandItem item, ProcessCgroup? cgroup)
    {
        var (program, arguments) = CommandLine.Parse(item.Command, options.Shell, item.Environment);
        try
        {
            var (start, startArguments) = cgroup?.Wrap(program, arguments, options.Shell) ?? (program, arguments);
            return ChildProcess.Start(start, startArguments, item.Environment, item.WorkingDirectory);
        }
        catch (System.ComponentModel.Win32Exception ex) when (ex.NativeErrorCode == NotExecutable && program != options.Shell)
        {
            // A program file without a #! line: the shell runs such a file as a script, so let it.
            return ChildProcess.Start(options.Shell, [options.Shell, "-c", item.Command], item.Environment, item.WorkingDirectory);
        }
    }

    /// <summary>SIGTERM to the group, up to <paramref name="grace"/> for it to go, then SIGKILL.</summary>
    private async Task StopAsync(ChildProcess process, int group, TimeSpan grace)
    {
        ProcessGroup.Signal(group, ProcessGroup.SigTerm);
        var start = _time.GetTimestamp();
        while (HasLiveMembers(group) && _time.GetElapsedTime(start) < grace)
        {
            await Task.Delay(PollInterval, _time, CancellationToken.None).ConfigureAwait(false);
        }

        ProcessGroup.Signal(group, ProcessGroup.SigKill);
        using var reap = new CancellationTokenSource(ReapLimit, _time);
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
