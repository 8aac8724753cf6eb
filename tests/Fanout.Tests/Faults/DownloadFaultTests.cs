using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Faults;

/// <summary>Downloads under hostile names, changing servers and planted links: nothing lost, spliced or written outside.</summary>
public sealed class DownloadFaultTests(HostileServer server) : IClassFixture<HostileServer>
{
    [Fact]
    public async Task Issue15_A_file_named_like_another_files_part_is_neither_spliced_nor_lost()
    {
        using var temp = new TempDirectory();
        var a = server.Url("/file/a/1000");
        var b = server.Url("/file/bb/3000");
        temp.Write("list.txt", $"{a} x.bin\n{b} x.bin.part\n");
        temp.Write("reversed.txt", $"{b} x.bin.part\n{a} x.bin\n");

        var first = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "out", "-q", "-o", "r1.jsonl"]);
        var again = await FanoutCli.RunAsync(temp.Path, ["download", "reversed.txt", "--dir", "out", "-q", "-o", "r2.jsonl"]);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(HostileServer.Versioned(101, 1000), File.ReadAllBytes(temp.File("out/x.bin")));
        Assert.Equal(HostileServer.Versioned(102, 3000), File.ReadAllBytes(temp.File("out/x.bin.part")));
        Assert.All(File.ReadAllLines(temp.File("r2.jsonl")), l => Assert.True(TestServer.ParseJson(l).GetProperty("skipped").GetBoolean(), l));
    }

    [Fact]
    public async Task Issue15_A_rerun_of_the_failed_list_downloads_what_failed_under_the_name_the_first_run_gave_it()
    {
        using var temp = new TempDirectory();
        var name = "blob" + Guid.NewGuid().ToString("N")[..6];
        server.SetDown(name, down: true);
        var a = server.Url("/file/a/100");
        var b = server.Url($"/sometimes/{name}?size=500");
        temp.Write("list.txt", $"{a} blob\n{b} blob\n");

        var first = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "data", "--failed", "failed.txt", "--retries", "0", "-q", "-o", "r1.jsonl"]);
        server.SetDown(name, down: false);
        var rerun = await FanoutCli.RunAsync(temp.Path, ["download", "failed.txt", "--dir", "data", "-q", "-o", "r2.jsonl"]);

        Assert.True(first.ExitCode == 1, first.ToString());
        Assert.Equal([$"{b} blob"], File.ReadAllLines(temp.File("failed.txt")));
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        var record = TestServer.ParseJson(Assert.Single(File.ReadAllLines(temp.File("r2.jsonl"))));
        Assert.False(record.GetProperty("skipped").GetBoolean());
        Assert.Equal(Path.Combine("data", "blob (1)"), record.GetProperty("path").GetString());
        Assert.Equal(HostileServer.Versioned(100 + 1, 100), File.ReadAllBytes(temp.File("data/blob")));
        Assert.Equal(HostileServer.Versioned(name.Length, 500), File.ReadAllBytes(temp.File("data/blob (1)")));
    }

    [Fact]
    public async Task Issue15_A_part_of_an_older_version_is_not_resumed_into_a_newer_one()
    {
        using var temp = new TempDirectory();
        var name = "v" + Guid.NewGuid().ToString("N")[..8];
        const int Size = 100_000;
        temp.Write("list.txt", server.Url($"/versioned/{name}?size={Size}") + " file.bin\n");

        // The first attempt gets half of version 1 and loses the connection: a part is left.
        var interrupted = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "out", "--retries", "0", "-q", "-o", "r1.jsonl"]);
        server.Bump(name);
        var rerun = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "out", "--retries", "1", "-q", "-o", "r2.jsonl"]);

        Assert.True(interrupted.ExitCode == 1, interrupted.ToString());
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        // Version 2 whole: the rerun asked to resume only version 1 (If-Range), got a full answer and started over.
        Assert.Equal(HostileServer.Versioned(2, Size), File.ReadAllBytes(temp.File("out/file.bin")));
        Assert.Contains(server.Requests, r => r.Path.StartsWith($"/versioned/{name}", StringComparison.Ordinal) && r.Headers.GetValueOrDefault("if-range") == "\"v1\"");
    }

    [Fact]
    public async Task Issue15_A_part_of_the_same_version_is_resumed()
    {
        using var temp = new TempDirectory();
        var name = "s" + Guid.NewGuid().ToString("N")[..8];
        const int Size = 100_000;
        temp.Write("list.txt", server.Url($"/versioned/{name}?size={Size}") + " file.bin\n");

        var interrupted = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "out", "--retries", "0", "-q", "-o", "r1.jsonl"]);
        var rerun = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "out", "-q", "-o", "r2.jsonl"]);

        Assert.True(interrupted.ExitCode == 1, interrupted.ToString());
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Equal(HostileServer.Versioned(1, Size), File.ReadAllBytes(temp.File("out/file.bin")));
        var line = Assert.Single(File.ReadAllLines(temp.File("r2.jsonl")));
        Assert.True(TestServer.ParseJson(line).GetProperty("resumed").GetBoolean(), line + "\n" + File.ReadAllText(temp.File("r1.jsonl")));
        var request = server.Requests.Last(r => r.Path.StartsWith($"/versioned/{name}", StringComparison.Ordinal));
        Assert.Equal("\"v1\"", request.Headers["if-range"]);
    }

    [Fact]
    public async Task Issue15_Links_planted_in_the_directory_are_never_written_through()
    {
        using var temp = new TempDirectory();
        using var elsewhere = new TempDirectory();
        Directory.CreateDirectory(temp.File("out"));
        File.WriteAllText(elsewhere.File("target"), "precious");
        File.CreateSymbolicLink(temp.File("out/linkdir"), elsewhere.Path);
        File.CreateSymbolicLink(temp.File("out/victim.bin"), elsewhere.File("target"));
        var url = server.Url("/file/a/100");
        temp.Write("list.txt", $"{url} linkdir/x.bin\n{url} victim.bin\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "out", "--retries", "0", "-o", "r.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("symbolic link", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(["target"], Directory.GetFiles(elsewhere.Path).Select(Path.GetFileName));
        Assert.Equal("precious", File.ReadAllText(elsewhere.File("target")));
        Assert.True(new FileInfo(temp.File("out/victim.bin")).LinkTarget is not null, "the planted link is left as it is");
        Assert.Equal(HostileServer.Versioned(101, 100), File.ReadAllBytes(temp.File("out/victim (1).bin")));
    }

    [Fact]
    public async Task Issue15_A_link_planted_where_parts_go_is_refused()
    {
        using var temp = new TempDirectory();
        using var elsewhere = new TempDirectory();
        Directory.CreateDirectory(temp.File("out/.fanout"));
        File.CreateSymbolicLink(temp.File("out/.fanout/downloads"), elsewhere.Path);
        temp.Write("list.txt", server.Url("/file/a/100") + " a.bin\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "out", "--retries", "0", "-o", "r.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere.Path));
        Assert.False(File.Exists(temp.File("out/a.bin")));
    }

    [Fact]
    public async Task Issue15_A_name_taken_by_a_directory_gets_the_next_free_name_and_no_part_is_left()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.File("out/thing"));
        temp.Write("list.txt", server.Url("/file/a/100") + " thing\n" + server.Url("/never-answer") + " silent.bin\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "out", "--retries", "0", "--stall-timeout", "1s", "-o", "r.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(HostileServer.Versioned(101, 100), File.ReadAllBytes(temp.File("out/thing (1)")));
        var parts = temp.File("out/.fanout/downloads/parts");
        Assert.True(!Directory.Exists(parts) || Directory.GetFiles(parts).Length == 0, string.Join(", ", Directory.Exists(parts) ? Directory.GetFiles(parts) : []));
    }

    [Fact]
    public async Task Issue15_A_server_that_never_answers_is_a_stall_not_a_hang()
    {
        using var temp = new TempDirectory();
        temp.Write("list.txt", server.Url("/never-answer") + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "out", "--retries", "0", "--stall-timeout", "1s", "-q", "-o", "r.jsonl"], limit: TimeSpan.FromSeconds(30));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("stalled", TestServer.ParseJson(Assert.Single(File.ReadAllLines(temp.File("r.jsonl")))).GetProperty("error_kind").GetString());
    }

    [Fact]
    public async Task Issue15_A_lying_length_or_an_endless_body_never_gives_a_file()
    {
        using var temp = new TempDirectory();
        temp.Write("list.txt", $"{server.Url("/lying")} lying.bin\n{server.Url("/endless")} endless.bin\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "out", "--retries", "0", "--max-size", "1M", "-q", "-o", "r.jsonl"], limit: TimeSpan.FromSeconds(30));

        Assert.True(run.ExitCode == 1, run.ToString());
        var records = File.ReadAllLines(temp.File("r.jsonl")).Select(TestServer.ParseJson).ToList();
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.False(r.GetProperty("ok").GetBoolean()));
        Assert.False(File.Exists(temp.File("out/lying.bin")));
        Assert.False(File.Exists(temp.File("out/endless.bin")));
    }

    [Fact]
    public async Task Issue15_Killed_at_random_moments_and_rerun_every_file_is_whole()
    {
        using var temp = new TempDirectory();
        const int Files = 12;
        const int Size = 400_000;
        var ids = Enumerable.Range(0, Files).Select(i => "k" + i + Guid.NewGuid().ToString("N")[..4]).ToList();
        temp.Write("list.txt", string.Concat(ids.Select(id => $"{server.Url($"/file/{id}/{Size}")} {id}.bin\n")));
        var seed = Random.Shared.Next();
        var random = new Random(seed);

        // Three kills at random moments of a slowed run (the bytes in flight, the parts, the renames).
        for (var round = 0; round < 3; round++)
        {
            using var process = FanoutCli.Start(temp.Path, ["download", "list.txt", "--dir", "out", "-j", "3", "--limit-rate", "1M", "-q", "-o", $"k{round}.jsonl"]);
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(200, 1500)));
            process.Kill();
            await process.WaitForExitAsync();
        }

        var rerun = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "out", "-q", "-o", "r.jsonl"]);

        Assert.True(rerun.ExitCode == 0, $"seed {seed}\n{rerun}");
        foreach (var id in ids)
        {
            Assert.True(HostileServer.Versioned(id.Length + 100, Size).AsSpan().SequenceEqual(File.ReadAllBytes(temp.File($"out/{id}.bin"))), $"seed {seed}: {id}.bin");
        }

        Assert.Equal(Files, Directory.GetFiles(temp.File("out")).Length);
        Assert.Empty(Directory.GetFiles(temp.File("out/.fanout/downloads/parts")));
    }
}
