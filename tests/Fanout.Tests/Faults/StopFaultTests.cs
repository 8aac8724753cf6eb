using System.Diagnostics;
using System.Globalization;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Faults;

/// <summary>Ctrl+C during a long wait, and a disk that fills up: the run stops at once and says why.</summary>
public sealed class StopFaultTests(HostileServer server) : IClassFixture<HostileServer>
{
    [Fact]
    public async Task Issue15_Ctrl_C_during_a_retry_after_wait_ends_it_and_starts_no_new_attempt()
    {
        using var temp = new TempDirectory();
        var marker = Guid.NewGuid().ToString("N");
        temp.Write("urls.txt", server.Url($"/busy?m={marker}") + "\n");

        using var process = FanoutCli.Start(temp.Path, ["http", "urls.txt", "--retries", "3", "-o", "r.jsonl"]);
        var stderr = process.StandardError.ReadToEndAsync();
        await Eventually.TrueAsync(() => server.Requests.Any(r => r.Path.Contains(marker, StringComparison.Ordinal)), "the first request", TimeSpan.FromSeconds(20));
        // The answer asks for 120 s; fanout is now waiting them out.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var stopped = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(limit.Token);

        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(10), $"took {stopped.Elapsed} after Ctrl+C");
        Assert.Equal(130, process.ExitCode);
        Assert.Single(server.Requests, r => r.Path.Contains(marker, StringComparison.Ordinal));
        var record = TestServer.ParseJson(Assert.Single(File.ReadAllLines(temp.File("r.jsonl"))));
        Assert.False(record.GetProperty("ok").GetBoolean());
        Assert.Contains("not retried: the run was stopped", record.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", await stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Issue15_A_full_disk_stops_the_run_with_its_own_kind_and_no_retries()
    {
        Skip.IfNot(ProcessRunner.IsRoot, "a full disk is made from a 1 MB tmpfs, which needs root");
        using var temp = new TempDirectory();
        var full = temp.File("small");
        Directory.CreateDirectory(full);
        ProcessRunner.Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", full);
        try
        {
            var ids = Enumerable.Range(0, 6).Select(i => "f" + i + Guid.NewGuid().ToString("N")[..4]).ToList();
            temp.Write("list.txt", string.Concat(ids.Select(id => $"{server.Url($"/file/{id}/600000")} {id}.bin\n")));

            var run = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", full, "-j", "1", "--retries", "3", "-o", "r.jsonl"]);

            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Contains("disk is full", run.Stderr, StringComparison.Ordinal);
            var records = File.ReadAllLines(temp.File("r.jsonl")).Select(TestServer.ParseJson).ToList();
            var failed = Assert.Single(records, r => r.GetProperty("error_kind").GetString() == "disk_full");
            Assert.Equal(1, failed.GetProperty("attempts").GetInt32());
            // The run stopped there: the files after it were not fetched.
            Assert.True(ids.Sum(id => server.Hits($"/file/{id}/600000")) <= 3, run.ToString());
            Assert.Equal(1, records.Count(r => r.GetProperty("ok").GetBoolean()));
        }
        finally
        {
            ProcessRunner.Run("umount", "-l", full);
        }
    }
}
