using System.Diagnostics;
using Fanout.Engine;
using Fanout.Processes;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Processes;

public sealed class CommandRunnerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static async Task<AttemptOutcome<CommandResult>> RunAsync(CommandItem item, CommandOptions? options = null, CancellationToken cancellationToken = default) =>
        await new CommandRunner(options ?? new CommandOptions()).HandleAsync(item, new AttemptContext(item.Name, 0, 1), cancellationToken);

    /// <summary>Through the pool, which owns time limits and reruns.</summary>
    private static async Task<WorkResult<CommandItem, CommandResult>> RunInPoolAsync(CommandItem item, WorkPoolOptions pool, CommandOptions? options = null) =>
        await WorkPool.RunAsync([item], new CommandRunner(options ?? new CommandOptions()), pool).SingleAsync();

    [Theory]
    [InlineData("true", CommandOutcome.Passed, 0)]
    [InlineData("exit 3", CommandOutcome.Failed, 3)]
    [InlineData("exit 77", CommandOutcome.Skipped, 77)]
    [InlineData("kill -9 $$", CommandOutcome.Failed, 137)]
    public async Task HandleAsync_exit_code_decides_the_outcome(string command, CommandOutcome outcome, int exitCode)
    {
        var result = (await RunAsync(new CommandItem("t", command))).Value!;

        Assert.Equal(outcome, result.Outcome);
        Assert.Equal(exitCode, result.ExitCode);
    }

    [Fact]
    public async Task HandleAsync_captures_stdout_and_stderr_separately()
    {
        var result = (await RunAsync(new CommandItem("t", "echo out; echo err >&2") { Environment = new Dictionary<string, string> { ["X"] = "1" } })).Value!;

        Assert.Equal("out\n", result.Stdout);
        Assert.Equal("err\n", result.Stderr);
    }

    [Fact]
    public async Task HandleAsync_timeout_kills_the_tree_including_a_grandchild_that_ignores_sigterm()
    {
        var pidFile = _temp.File("grandchild.pid");
        // The grandchild ignores SIGTERM and outlives its parent's shell: only SIGKILL to the group stops it.
        var script = $"sh -c 'trap \"\" TERM; echo $$ > {pidFile}; while true; do sleep 0.05; done' & wait";
        var clock = Stopwatch.StartNew();

        var outcome = await RunInPoolAsync(new CommandItem("hang", script), new WorkPoolOptions { AttemptTimeout = TimeSpan.FromMilliseconds(500) }, new CommandOptions { KillGrace = TimeSpan.FromMilliseconds(500) });

        Assert.Equal(CommandOutcome.TimedOut, outcome.Value!.Outcome);
        Assert.Equal(WorkError.TimeoutKind, outcome.Error!.Kind);
        Assert.Equal("timed out after 500 ms; process group stopped", outcome.Error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.TrueAsync(() => !IsRunning(pid), $"grandchild {pid} to be gone", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task HandleAsync_cancellation_stops_the_group_at_once_and_an_abort_is_a_cancellation()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        var stopped = await RunAsync(new CommandItem("long", "echo started; sleep 30"), cancellationToken: cancel.Token);
        using var abort = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var aborted = await RunInPoolAsync(new CommandItem("long", "echo started; sleep 30"), new WorkPoolOptions { AbortToken = abort.Token });

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        Assert.Equal(CommandOutcome.TimedOut, stopped.Value!.Outcome);
        Assert.Equal(WorkError.CancelledKind, aborted.Error!.Kind);
        Assert.Equal("started\n", aborted.Value!.Stdout);
    }

    [Fact]
    public async Task HandleAsync_output_over_the_cap_keeps_the_end()
    {
        var result = (await RunAsync(new CommandItem("chatty", "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done"), new CommandOptions { OutputCapBytes = 1000 })).Value!;

        Assert.True(result.OutputTruncated);
        Assert.Equal(1000, result.Stdout.Length);
        Assert.EndsWith("line1999\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_pass_on_rerun_is_flaky_and_keeps_the_failed_run()
    {
        var marker = _temp.File("ran-once");
        var outcome = await RunInPoolAsync(new CommandItem("flaky", $"if [ -e {marker} ]; then exit 0; else touch {marker}; echo first >&2; exit 1; fi") { Retries = 2 }, new WorkPoolOptions());

        var result = outcome.Value!;
        Assert.Null(outcome.Error);
        Assert.Equal(2, outcome.Attempts);
        Assert.Equal("first\n", Assert.Single(result.EarlierRuns).Stderr);
    }

    [Fact]
    public async Task HandleAsync_failure_on_every_run_is_failed_and_rerun_at_once()
    {
        var clock = Stopwatch.StartNew();
        var outcome = await RunInPoolAsync(new CommandItem("broken", "exit 1"), new WorkPoolOptions { Retries = 2, RetryBaseDelay = TimeSpan.FromSeconds(10) });

        Assert.Equal(3, outcome.Attempts);
        Assert.Equal(2, outcome.Value!.EarlierRuns.Count);
        Assert.Equal(CommandRunner.FailedKind, outcome.Error!.Kind);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"reruns waited for a backoff: {clock.Elapsed}");
    }

    [Fact]
    public async Task HandleAsync_runs_in_the_working_directory_with_the_environment()
    {
        var result = (await RunAsync(new CommandItem("env", "pwd; echo $GREETING") { WorkingDirectory = _temp.Path, Environment = new Dictionary<string, string> { ["GREETING"] = "hi" } })).Value!;

        Assert.Equal($"{_temp.Path}\nhi\n", result.Stdout);
    }

    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..].Split(' ')[0] != "Z";
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task HandleAsync_children_get_default_signal_handling_and_no_stdin()
    {
        // .NET ignores SIGPIPE; inherited, `yes` would report a broken pipe instead of dying quietly of it.
        var result = (await RunAsync(new CommandItem("t", "yes | head -n 1; cat; echo done"))).Value!;

        Assert.Equal(CommandOutcome.Passed, result.Outcome);
        Assert.Equal("y\ndone\n", result.Stdout);
        Assert.Equal(string.Empty, result.Stderr);
    }

    [Fact]
    public async Task HandleAsync_a_command_ended_by_a_signal_reports_128_plus_the_signal()
    {
        var killed = (await RunAsync(new CommandItem("t", "sh -c 'kill -TERM $$'"))).Value!;

        Assert.Equal(CommandOutcome.Failed, killed.Outcome);
        Assert.Equal(143, killed.ExitCode);
        Assert.Equal("killed by signal 15", CommandRunner.ExitDescription(killed.ExitCode));
    }

    [Fact]
    public async Task HandleAsync_unknown_program_is_the_shells_not_found_and_a_missing_directory_is_named()
    {
        var missing = (await RunAsync(new CommandItem("t", "no-such-program-fanout --flag"))).Value!;
        var directory = _temp.File("not-here");
        var error = await Assert.ThrowsAnyAsync<System.ComponentModel.Win32Exception>(() => RunAsync(new CommandItem("t", "true") { WorkingDirectory = directory }));

        Assert.Equal(127, missing.ExitCode);
        Assert.Contains("not found", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sleep 0.1", "/bin/sleep|sleep 0.1")]
    [InlineData("ls -la --color=never /tmp", "/bin/ls|ls -la --color=never /tmp")]
    [InlineData("echo $HOME", "/bin/sh|/bin/sh -c echo $HOME")]
    [InlineData("echo 'a b'", "/bin/sh|/bin/sh -c echo 'a b'")]
    [InlineData("FOO=1 env", "/bin/sh|/bin/sh -c FOO=1 env")]
    [InlineData("cd /tmp", "/bin/sh|/bin/sh -c cd /tmp")]
    [InlineData("pwd", "/bin/sh|/bin/sh -c pwd")]
    [InlineData("ls *.txt", "/bin/sh|/bin/sh -c ls *.txt")]
    [InlineData("no-such-program-fanout", "/bin/sh|/bin/sh -c no-such-program-fanout")]
    [InlineData("./local-script", "/bin/sh|/bin/sh -c ./local-script")]
    public void CommandLine_runs_plain_program_calls_directly_and_the_rest_through_the_shell(string command, string expected)
    {
        var (program, arguments) = CommandLine.Parse(command, "/bin/sh", new Dictionary<string, string>());

        // /bin and /usr/bin are one directory on merged-/usr systems: compare names, not the directory found.
        Assert.Equal(expected.Replace("/bin/sleep", Path.GetFileName(program) == "sleep" ? program : "/bin/sleep", StringComparison.Ordinal).Replace("/bin/ls", Path.GetFileName(program) == "ls" ? program : "/bin/ls", StringComparison.Ordinal), $"{program}|{string.Join(' ', arguments)}");
    }

    [Fact]
    public void CommandLine_leaves_a_command_with_its_own_PATH_or_shell_to_the_shell()
    {
        Assert.Equal("/bin/sh", CommandLine.Parse("sleep 1", "/bin/sh", new Dictionary<string, string> { ["PATH"] = "/opt/bin" }).Program);
        Assert.Equal("bash", CommandLine.Parse("sleep 1", "bash", new Dictionary<string, string>()).Program);
    }

    [Fact]
    public async Task HandleAsync_runs_a_program_file_without_a_shebang_as_the_shell_would()
    {
        var bin = Directory.CreateDirectory(_temp.File("bin")).FullName;
        var script = Path.Combine(bin, "no-shebang-fanout");
        File.WriteAllText(script, "echo ran as a script\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = (await RunAsync(new CommandItem("t", script))).Value!;

        Assert.Equal(CommandOutcome.Passed, result.Outcome);
        Assert.Equal("ran as a script\n", result.Stdout);
    }
}
