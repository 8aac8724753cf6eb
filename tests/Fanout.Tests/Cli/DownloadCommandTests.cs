using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

public sealed class DownloadCommandTests(TestServer server) : IClassFixture<TestServer>
{
    [Fact]
    public async Task Download_from_json_listing_with_filters_downloads_only_matching_links()
    {
        using var temp = new TempDirectory();

        var run = await FanoutCli.RunAsync(temp.Path, ["download", "--from-json", server.Url("/gallery"), "--links", "data[].link", "--where", "type in image/jpeg,image/png", "--where", "nsfw=false", "--dir", "images", "-q"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["cat.jpg", "dog.png"], Directory.GetFiles(temp.File("images")).Select(Path.GetFileName).Order());
        Assert.Equal(2, run.JsonLines.Count);
    }

    [Fact]
    public async Task Download_failures_are_listed_and_written_back_in_input_format()
    {
        using var temp = new TempDirectory();
        var goodLine = server.Url("/files/100/good.bin");
        var badLine = server.Url("/status/404") + " missing.bin";
        temp.Write("list.txt", $"{goodLine}\n{badLine}\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "out", "--failed", "failed.txt", "--retries", "0"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("Failed downloads:", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{server.Url("/status/404")}  HTTP 404 Not Found", run.Stderr, StringComparison.Ordinal);
        Assert.Equal([badLine], File.ReadAllLines(temp.File("failed.txt")));
        Assert.True(File.Exists(temp.File("out/good.bin")));
    }

    [Fact]
    public async Task Download_rerun_reports_files_as_skipped()
    {
        using var temp = new TempDirectory();
        temp.Write("list.txt", server.Url("/files/300/x.bin") + "\n");

        await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "d", "-q"]);
        var rerun = await FanoutCli.RunAsync(temp.Path, ["download", "list.txt", "--dir", "d", "-q"]);

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.True(Assert.Single(rerun.JsonLines).GetProperty("skipped").GetBoolean());
    }
}
