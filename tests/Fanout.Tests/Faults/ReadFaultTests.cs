using System.Text;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Faults;

/// <summary>Link loops and names that are not UTF-8: one record each, and the walk goes on.</summary>
public sealed class ReadFaultTests
{
    [Fact]
    public async Task Issue15_A_symlink_loop_is_one_error_record_and_the_walk_goes_on()
    {
        using var temp = new TempDirectory();
        for (var i = 0; i < 20; i++)
        {
            temp.Write($"tree/f{i:00}.txt", $"line {i}\n");
        }

        File.CreateSymbolicLink(temp.File("tree/a"), "b");
        File.CreateSymbolicLink(temp.File("tree/b"), "a");
        Directory.CreateSymbolicLink(temp.File("tree/up"), "..");

        var run = await FanoutCli.RunAsync(temp.Path, ["read", "tree", "--follow", "-o", "r.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        var records = File.ReadAllLines(temp.File("r.jsonl")).Select(TestServer.ParseJson).ToList();
        Assert.Equal(20, records.Count(r => r.GetProperty("ok").GetBoolean()));
        Assert.Contains(records, r => r.GetProperty("error_kind").GetString() == "symlink_loop");
        Assert.DoesNotContain("Unhandled", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue15_A_name_that_is_not_utf8_is_read_and_shown_escaped()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.File("tree"));
        // "bad\xff\x1b[2J.txt": an invalid UTF-8 byte and a terminal escape in one name, made by the shell from bytes.
        ProcessRunner.Run("sh", "-c", "cd \"$0\" && printf 'hello\\n' > \"$(printf 'tree/bad\\377\\033[2J.txt')\"", temp.Path);

        var run = await FanoutCli.RunAsync(temp.Path, ["read", "tree", "--hash", "sha256", "-o", "r.jsonl"]);
        var table = await FanoutCli.RunAsync(temp.Path, ["read", "tree", "--format", "table"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var record = TestServer.ParseJson(Assert.Single(File.ReadAllLines(temp.File("r.jsonl"))));
        Assert.True(record.GetProperty("ok").GetBoolean());
        Assert.Equal(6, record.GetProperty("bytes").GetInt64());
        Assert.Contains("\\xff", record.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("hello\n"))), record.GetProperty("sha256").GetString());
        Assert.DoesNotContain("\u001b[2J", table.Stdout + table.Stderr, StringComparison.Ordinal);
    }
}
