using System.Diagnostics;
using Fanout.Processes;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Faults;

/// <summary>Hostile input lines in command templates, and commands that leave processes behind.</summary>
public sealed class ProcessFaultTests
{
    [Theory]
    [InlineData("echo {}")]
    [InlineData("echo \"{}\"")]
    [InlineData("echo '{}'")]
    [InlineData("echo \"value: {}\"")]
    public async Task Issue15_An_input_line_is_never_run_as_shell_code_whatever_the_quotes_around_the_placeholder(string template)
    {
        using var temp = new TempDirectory();
        string[] lines = ["$(touch pwned1)", "`touch pwned2`", "'; touch pwned3; '", "\"; touch pwned4; \"", "a b  *"];
        temp.Write("lines.txt", string.Join('\n', lines) + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["run", "lines.txt", "--cmd", template, "-j", "1"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(Directory.GetFiles(temp.Path, "pwned*"));
        foreach (var line in lines)
        {
            Assert.Contains(line, run.Stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("echo `{}`")]
    [InlineData("echo ${{}}")]
    [InlineData("echo \\{}")]
    public async Task Issue15_A_placeholder_where_no_quoting_can_make_it_safe_is_refused_with_a_hint(string template)
    {
        using var temp = new TempDirectory();
        temp.Write("lines.txt", "x\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["run", "lines.txt", "--cmd", template]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--cmd", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", run.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Issue15_Processes_a_test_leaves_running_in_their_own_session_are_counted_and_killed()
    {
        Skip.IfNot(ProcessCgroup.Available, "cgroup v2 is not writable here (not root and no delegated cgroup): the process group covers all but setsid'd processes");
        using var temp = new TempDirectory();
        // Unique durations, so the processes can be found (and no other test's sleep is taken for them).
        var left = $"3{Random.Shared.Next(100_000, 999_999)}";
        var timedOut = $"4{Random.Shared.Next(100_000, 999_999)}";
        // The pause gives setsid time to leave the session before the shell ends (until then the process group has it).
        temp.Write("tests.txt", $"leaves\tsetsid sleep {left} & sleep 1; echo started\nhangs\tsetsid sleep {timedOut} & sleep 30\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["test", "tests.txt", "--timeout", "2s", "--retries", "0", "-o", "r.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        var records = File.ReadAllLines(temp.File("r.jsonl")).Select(TestServer.ParseJson).ToDictionary(r => r.GetProperty("key").GetString()!);
        Assert.Equal("passed", records["leaves"].GetProperty("outcome").GetString());
        Assert.Equal(1, records["leaves"].GetProperty("survivors").GetInt32());
        Assert.Equal("timed_out", records["hangs"].GetProperty("outcome").GetString());
        Assert.Equal(1, records["hangs"].GetProperty("survivors").GetInt32());
        Assert.Contains("left running killed", run.Stderr, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => !Running(left) && !Running(timedOut), "the setsid'd sleeps gone", TimeSpan.FromSeconds(10));
    }

    private static bool Running(string sleep)
    {
        using var pgrep = Process.Start(new ProcessStartInfo("pgrep", ["-f", $"sleep {sleep}"]) { RedirectStandardOutput = true })!;
        pgrep.StandardOutput.ReadToEnd();
        pgrep.WaitForExit();
        return pgrep.ExitCode == 0;
    }
}
