using Fanout.Files;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Files;

public sealed class FileFinderTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _previousDirectory = Environment.CurrentDirectory;

    public FileFinderTests()
    {
        foreach (var file in new[] { "a.log", "b.txt", "logs/x.log", "logs/old/y.log", "logs/old/z.tmp", "node_modules/m.js", "src/node_modules/n.js", "src/c.cs" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_temp.File(file))!);
            File.WriteAllText(_temp.File(file), file);
        }
    }

    public void Dispose()
    {
        Environment.CurrentDirectory = _previousDirectory;
        _temp.Dispose();
    }

    private static async Task<List<FileReadItem>> FindAsync(string[] arguments, string[]? excludes = null, bool follow = false, string? stdin = null)
    {
        var items = new List<FileReadItem>();
        await foreach (var item in FileFinder.FindAsync(arguments, excludes ?? [], follow, () => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(stdin ?? string.Empty))))
        {
            items.Add(item);
        }

        return items;
    }

    private string Rel(FileReadItem item) => item.DisplayPath.StartsWith(_temp.Path, StringComparison.Ordinal) ? item.DisplayPath[(_temp.Path.Length + 1)..] : item.DisplayPath;

    [Fact]
    public async Task FindAsync_directory_is_walked_recursively_in_sorted_order()
    {
        var items = await FindAsync([_temp.Path]);

        Assert.Equal(
            ["a.log", "b.txt", "logs/old/y.log", "logs/old/z.tmp", "logs/x.log", "node_modules/m.js", "src/c.cs", "src/node_modules/n.js"],
            items.Select(Rel));
        Assert.All(items, i => Assert.Null(i.Problem));
    }

    [Fact]
    public async Task FindAsync_double_star_glob_matches_at_any_depth()
    {
        Environment.CurrentDirectory = _temp.Path;

        Assert.Equal(["logs/old/y.log", "logs/x.log"], (await FindAsync(["logs/**/*.log"])).Select(i => i.DisplayPath));
        Assert.Equal(["a.log", "logs/old/y.log", "logs/x.log"], (await FindAsync(["**/*.log"])).Select(i => i.DisplayPath));
        Assert.Equal(["a.log"], (await FindAsync(["*.log"])).Select(i => i.DisplayPath));
        Assert.Equal(["a.log", "b.txt"], (await FindAsync(["[ab].*"])).Select(i => i.DisplayPath));
    }

    [Fact]
    public async Task FindAsync_excludes_names_anywhere_and_paths_under_the_root()
    {
        var items = await FindAsync([_temp.Path], ["node_modules", "logs/old/*.tmp", "*.cs"]);

        Assert.Equal(["a.log", "b.txt", "logs/old/y.log", "logs/x.log"], items.Select(Rel));
    }

    [Fact]
    public async Task FindAsync_symlinks_are_skipped_unless_followed_and_loops_are_reported()
    {
        File.CreateSymbolicLink(_temp.File("src/link.txt"), _temp.File("b.txt"));
        Directory.CreateSymbolicLink(_temp.File("logs/old/loop"), _temp.File("logs"));

        var plain = await FindAsync([_temp.File("logs")]);
        var followed = await FindAsync([_temp.File("logs")], follow: true);

        Assert.DoesNotContain(plain, i => i.DisplayPath.Contains("loop", StringComparison.Ordinal));
        var loop = Assert.Single(followed, i => i.Problem is not null);
        Assert.Equal(FileReader.SymlinkLoopKind, loop.Problem!.Kind);
        Assert.EndsWith("logs/old/loop", loop.DisplayPath, StringComparison.Ordinal);
        Assert.Contains(await FindAsync([_temp.File("src")], follow: true), i => i.DisplayPath.EndsWith("link.txt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FindAsync_fifo_is_reported_not_opened()
    {
        ProcessRunner.Run("mkfifo", _temp.File("src/pipe"));

        var items = await FindAsync([_temp.File("src")]).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(FileReader.NotRegularKind, Assert.Single(items, i => i.DisplayPath.EndsWith("pipe", StringComparison.Ordinal)).Problem!.Kind);
    }

    [Fact]
    public async Task FindAsync_missing_path_is_a_not_found_item()
    {
        var item = Assert.Single(await FindAsync([_temp.File("nope.txt")]));

        Assert.Equal(FileReader.NotFoundKind, item.Problem!.Kind);
    }

    [Fact]
    public async Task FindAsync_dash_reads_paths_from_stdin()
    {
        var items = await FindAsync(["-"], stdin: $"{_temp.File("a.log")}\n\n{_temp.File("logs/old")}\n");

        Assert.Equal(["a.log", "logs/old/y.log", "logs/old/z.tmp"], items.Select(Rel));
    }
}
