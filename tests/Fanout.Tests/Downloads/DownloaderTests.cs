using System.Security.Cryptography;
using Fanout.Downloads;
using Fanout.Engine;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Downloads;

public sealed class DownloaderTests(TestServer server) : IClassFixture<TestServer>, IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<List<WorkResult<DownloadItem, DownloadResult>>> RunAsync(IEnumerable<DownloadItem> items, DownloadOptions? options = null, WorkPoolOptions? pool = null)
    {
        using var downloader = new Downloader(options ?? new DownloadOptions { Directory = _temp.Path });
        var list = items.ToList();
        foreach (var item in list)
        {
            downloader.Plan(item);
        }

        var results = new List<WorkResult<DownloadItem, DownloadResult>>();
        await foreach (var result in WorkPool.RunAsync(list, downloader, pool ?? new WorkPoolOptions { Concurrency = 4, PreserveOrder = true }))
        {
            results.Add(result);
        }

        return results;
    }

    private DownloadItem Item(string path, string? name = null) => new(new Uri(server.Url(path))) { Name = name };

    /// <summary>The downloads on disk (fanout's own .fanout directory left out).</summary>
    private string[] FilesOnDisk() => [.. AllFiles().Where(f => !f.StartsWith(".fanout/", StringComparison.Ordinal))];

    /// <summary>The part files fanout keeps.</summary>
    private string[] Parts() => [.. AllFiles().Where(f => f.StartsWith(DownloadState.Home + "/parts/", StringComparison.Ordinal) && f.EndsWith(".part", StringComparison.Ordinal))];

    private string[] AllFiles() => [.. Directory.GetFiles(_temp.Path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_temp.Path, f)).Order(StringComparer.Ordinal)];

    /// <summary>A part as an earlier run of <paramref name="url"/> would have left it.</summary>
    private void PlantPart(string name, string url, byte[] bytes, string? etag = null, long? length = null)
    {
        using var directory = new Fanout.Files.ContainedDirectory(_temp.Path);
        new DownloadState(directory).WritePart(name, new DownloadState.Origin(url, length, etag, null));
        using var part = directory.OpenWrite(DownloadState.PartPath(name), append: false);
        part.Write(bytes);
    }

    [Fact]
    public async Task Download_writes_files_named_from_url_or_input_with_sha256()
    {
        var results = await RunAsync([Item("/files/1000/a.bin"), Item("/files/500/b.bin", "renamed.dat")]);

        Assert.All(results, r => Assert.True(r.Ok, r.Error?.Message));
        Assert.Equal(["a.bin", "renamed.dat"], FilesOnDisk());
        Assert.Equal(TestServer.Content(1000), File.ReadAllBytes(_temp.File("a.bin")));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(TestServer.Content(1000))), results[0].Value!.Sha256);
    }

    [Theory]
    [InlineData("attachment; filename=\"../../etc/passwd\"", "passwd")]
    [InlineData("attachment; filename=\"/abs/path/x.txt\"", "x.txt")]
    [InlineData("attachment; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.pdf", "naïve résumé.pdf")]
    [InlineData("attachment; filename=\"report%202026.csv\"", "report 2026.csv")]
    [InlineData("attachment; filename=\"..\"", "download")]
    public async Task Download_content_disposition_names_stay_inside_the_directory(string disposition, string expected)
    {
        var result = Assert.Single(await RunAsync([Item("/disposition?cd=" + Uri.EscapeDataString(disposition))]));

        Assert.True(result.Ok, result.Error?.Message);
        Assert.Equal([expected], FilesOnDisk());
        Assert.StartsWith(_temp.Path, Path.GetFullPath(result.Value!.Path!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_traversal_in_url_and_input_names_stays_inside_the_directory()
    {
        var results = await RunAsync([Item("/files/10/..%2F..%2Fescape.bin"), Item("/files/20/x", "../../../tmp/evil.txt"), Item("/files/30/y", "/etc/cron.d/job")]);

        Assert.All(results, r => Assert.True(r.Ok, r.Error?.Message));
        Assert.Equal(["escape.bin", "etc/cron.d/job", "tmp/evil.txt"], FilesOnDisk());
    }

    [Fact]
    public async Task Download_same_name_twice_gets_a_numbered_second_file()
    {
        var results = await RunAsync([Item("/files/10/same.bin"), Item("/files/20/same.bin")]);

        Assert.Equal(["same (1).bin", "same.bin"], FilesOnDisk());
        Assert.Equal(10, new FileInfo(_temp.File("same.bin")).Length);
        Assert.Equal(20, new FileInfo(_temp.File("same (1).bin")).Length);
        Assert.All(results, r => Assert.True(r.Ok));
    }

    [Fact]
    public async Task Download_404_fails_and_writes_nothing()
    {
        var result = Assert.Single(await RunAsync([Item("/status/404")]));

        Assert.Equal(404, result.Error!.StatusCode);
        Assert.Empty(FilesOnDisk());
    }

    [Fact]
    public async Task Download_500_then_200_succeeds_on_retry()
    {
        var id = Guid.NewGuid().ToString("N");
        var result = Assert.Single(await RunAsync([Item($"/fail-once/{id}", "f.bin")], pool: new WorkPoolOptions { Retries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(1) }));

        Assert.True(result.Ok, result.Error?.Message);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(300, new FileInfo(_temp.File("f.bin")).Length);
    }

    [Fact]
    public async Task Download_short_body_fails_and_leaves_no_final_file()
    {
        var result = Assert.Single(await RunAsync([Item("/short", "short.bin")]));

        Assert.False(result.Ok);
        Assert.False(File.Exists(_temp.File("short.bin")));
    }

    [Fact]
    public async Task Download_stalled_body_hits_the_stall_timeout()
    {
        var options = new DownloadOptions { Directory = _temp.Path, StallTimeout = TimeSpan.FromMilliseconds(300) };
        var result = Assert.Single(await RunAsync([Item("/stall", "stall.bin")], options).WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Equal(Downloader.StalledKind, result.Error!.Kind);
        Assert.False(File.Exists(_temp.File("stall.bin")));
        Assert.True(result.RunTime < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Download_interrupted_mid_body_resumes_with_range_and_the_sha256_matches()
    {
        var id = Guid.NewGuid().ToString("N");
        const int Size = 200_000;
        var result = Assert.Single(await RunAsync([Item($"/interrupt/{id}/{Size}", "big.bin")], pool: new WorkPoolOptions { Retries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(1) }));

        Assert.True(result.Ok, result.Error?.Message);
        Assert.True(result.Value!.Resumed);
        Assert.Equal(2, result.Attempts);
        Assert.Matches(@"^bytes=\d+-$", server.Ranges.Last());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(TestServer.Content(Size))), result.Value.Sha256);
        Assert.Equal(TestServer.Content(Size), File.ReadAllBytes(_temp.File("big.bin")));
        Assert.Empty(Parts());
    }

    [Fact]
    public async Task Download_partial_file_on_a_server_without_range_restarts_cleanly()
    {
        PlantPart("n.bin", server.Url("/norange/5000"), [9, 9, 9, 9, 9]);

        var result = Assert.Single(await RunAsync([Item("/norange/5000", "n.bin")]));

        Assert.True(result.Ok, result.Error?.Message);
        Assert.False(result.Value!.Resumed);
        Assert.Equal(TestServer.Content(5000), File.ReadAllBytes(_temp.File("n.bin")));
    }

    [Fact]
    public async Task Download_rerun_skips_complete_files_without_downloading_again()
    {
        await RunAsync([Item("/files/800/keep.bin")]);
        var before = File.GetLastWriteTimeUtc(_temp.File("keep.bin"));

        var result = Assert.Single(await RunAsync([Item("/files/800/keep.bin")]));

        Assert.True(result.Value!.Skipped);
        Assert.Equal(before, File.GetLastWriteTimeUtc(_temp.File("keep.bin")));
        Assert.Equal(["keep.bin"], FilesOnDisk());
    }

    [Fact]
    public async Task Download_sha256_mismatch_fails_and_leaves_no_file()
    {
        var item = Item("/files/100/c.bin") with { Sha256 = new string('0', 64) };

        var result = Assert.Single(await RunAsync([item]));

        Assert.Equal(Downloader.ChecksumKind, result.Error!.Kind);
        Assert.Empty(FilesOnDisk());
    }

    [Fact]
    public async Task Download_content_type_filter_rejects_before_writing()
    {
        var options = new DownloadOptions { Directory = _temp.Path, Accept = ["image/jpeg", "image/*"] };

        var results = await RunAsync([Item("/typed/image/png", "ok.png"), Item("/typed/text/html", "page.html")], options);

        Assert.True(results[0].Ok);
        Assert.Equal(Downloader.RejectedTypeKind, results[1].Error!.Kind);
        Assert.Equal(["ok.png"], FilesOnDisk());
    }

    [Fact]
    public async Task Download_max_size_rejects_large_files()
    {
        var options = new DownloadOptions { Directory = _temp.Path, MaxSize = 1000 };

        var results = await RunAsync([Item("/files/999/small.bin"), Item("/files/5000/large.bin")], options);

        Assert.True(results[0].Ok);
        Assert.Equal(Downloader.TooLargeKind, results[1].Error!.Kind);
        Assert.Equal(["small.bin"], FilesOnDisk());
    }
}
