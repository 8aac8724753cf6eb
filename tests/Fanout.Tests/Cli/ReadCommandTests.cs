using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

public sealed class ReadCommandTests
{
    [Fact]
    public async Task Read_tree_writes_a_record_per_file_sorted_and_exits_0()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.File("d"));
        temp.Write("d/b.txt", "1\n2\n");
        temp.Write("d/a.log", "WARN x\nok\nWARN y\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--grep", "^WARN", "--sort", "-q"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var records = run.JsonLines;
        Assert.Equal(["d/a.log", "d/b.txt"], records.Select(r => r.GetProperty("path").GetString()));
        Assert.Equal(2, records[0].GetProperty("match_count").GetInt32());
        Assert.Equal(3, records[0].GetProperty("matches")[1].GetProperty("line").GetInt32());
        Assert.Equal(2, records[1].GetProperty("lines").GetInt32());
        Assert.Equal(ProcessRunner.Run("sha256sum", temp.File("d/b.txt")).Split(' ')[0], records[1].GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Read_unreadable_file_is_an_error_record_and_the_run_goes_on()
    {
        using var temp = new TempDirectory();
        temp.Write("ok.txt", "fine\n");
        var secret = temp.Write("secret.txt", "hidden\n");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(temp.Path, (UnixFileMode)Convert.ToInt32("755", 8));

        // Root reads anything, so as root the tool runs as nobody, for whom secret.txt (root's, mode 600) is unreadable.
        var run = ProcessRunner.IsRoot
            ? await RunAsNobodyAsync(temp.Path, ["read", temp.Path, "--sort", "-q"])
            : await FanoutCli.RunAsync(temp.Path, ["read", temp.Path, "--sort", "-q"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        var records = run.JsonLines;
        Assert.True(records.Single(r => r.GetProperty("path").GetString()!.EndsWith("ok.txt", StringComparison.Ordinal)).GetProperty("ok").GetBoolean());
        Assert.Equal("permission_denied", records.Single(r => r.GetProperty("path").GetString()!.EndsWith("secret.txt", StringComparison.Ordinal)).GetProperty("error_kind").GetString());
    }

    [Fact]
    public async Task Read_content_and_csv_output()
    {
        using var temp = new TempDirectory();
        temp.Write("a.txt", "x,y\n\"quoted\"\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["read", "a.txt", "--content", "--hash", "none", "--format", "csv", "-q"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("key,ok,path,bytes,lines,modified,encoding,content,content_truncated,attempts,elapsed_ms,queued_ms,worker,started_at,ended_at,error,error_kind\n", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"x,y\n\"\"quoted\"\"\n\"", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_bad_regex_is_a_usage_error()
    {
        using var temp = new TempDirectory();

        var run = await FanoutCli.RunAsync(temp.Path, ["read", ".", "--grep", "(unclosed"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--grep", run.Stderr, StringComparison.Ordinal);
    }

    private static async Task<FanoutCli.Run> RunAsNobodyAsync(string workingDirectory, string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("runuser") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-u", "nobody", "--", "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp", "NO_COLOR=1" }.Concat(FanoutCli.Command).Concat(args))
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(FanoutCli.DefaultLimit);
        await process.WaitForExitAsync(limit.Token);
        return new FanoutCli.Run(process.ExitCode, await stdout, await stderr);
    }
}
