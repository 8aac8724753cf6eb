using System.Text;
using Fanout.Records;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Records;

public sealed class AtomicFileTests
{
    [Fact]
    public async Task Commit_moves_the_complete_file_into_place()
    {
        using var temp = new TempDirectory();
        var path = temp.File("out/results.jsonl");

        await using (var file = AtomicFile.Create(path))
        {
            await file.Stream.WriteAsync("done\n"u8.ToArray());
            Assert.False(File.Exists(path));
            await file.CommitAsync();
        }

        Assert.Equal("done\n", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(temp.File("out")));
    }

    [Fact]
    public async Task Dispose_without_commit_leaves_neither_file_nor_temporary()
    {
        using var temp = new TempDirectory();
        temp.Write("results.jsonl", "previous\n");

        await using (var file = AtomicFile.Create(temp.File("results.jsonl")))
        {
            await file.Stream.WriteAsync("half"u8.ToArray());
        }

        Assert.Equal("previous\n", File.ReadAllText(temp.File("results.jsonl")));
        Assert.Single(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public async Task Issue2_output_to_a_fifo_writes_through_and_keeps_the_fifo()
    {
        // Renaming a temporary file over a device or FIFO replaces it with a plain file; with -o /dev/null
        // as root, that destroyed /dev/null for every program on the machine.
        using var temp = new TempDirectory();
        var fifo = temp.File("pipe");
        ProcessRunner.Run("mkfifo", fifo);
        var reading = Task.Run(() => File.ReadAllText(fifo));

        await using (var file = AtomicFile.Create(fifo))
        {
            await file.Stream.WriteAsync(Encoding.UTF8.GetBytes("through the pipe\n"));
            await file.CommitAsync();
        }

        Assert.Equal("through the pipe\n", await reading.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("fifo", ProcessRunner.Run("stat", "-c", "%F", fifo), StringComparison.Ordinal);
    }
}
