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

    private static async Task<List<FileReadItem>> FindAsync(string[] arguments, string[]? excludes = null, bool follow = false, string? stdin = null, bool hidden = false, bool noIgnore = false)
    {
        var items = new List<FileReadItem>();
        await foreach (var item in FileFinder.FindAsync(arguments, new FileReadOptions { Excludes = excludes ?? [], FollowLinks = follow, Hidden = hidden, NoIgnore = noIgnore }, () => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(stdin ?? string.Empty))))
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

    private void Write(string relative, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_temp.File(relative))!);
        File.WriteAllText(_temp.File(relative), text);
    }

    [Fact]
    public async Task FindAsync_hidden_entries_are_skipped_unless_asked_and_named_paths_are_always_read()
    {
        Write(".env", "secret");
        Write(".cache/c.bin", "x");
        Write("src/.hidden.cs", "x");
        Directory.CreateDirectory(_temp.File(".git"));
        Write(".git/config", "x");

        var plain = (await FindAsync([_temp.Path])).Select(Rel).ToList();
        var hidden = (await FindAsync([_temp.Path], hidden: true)).Select(Rel).ToList();
        var everything = (await FindAsync([_temp.Path], hidden: true, noIgnore: true)).Select(Rel).ToList();

        Assert.DoesNotContain(plain, p => p.Contains("/.", StringComparison.Ordinal) || p.StartsWith('.'));
        Assert.Equal(8, plain.Count);
        Assert.Equal([".cache/c.bin", ".env", "a.log"], hidden.Take(3));
        Assert.Contains("src/.hidden.cs", hidden);
        Assert.DoesNotContain(".git/config", hidden);
        Assert.Contains(".git/config", everything);
        Assert.Equal([".env"], (await FindAsync([_temp.File(".env")])).Select(Rel));
    }

    [Fact]
    public async Task FindAsync_gitignore_counts_inside_a_repository_with_git_rules()
    {
        Directory.CreateDirectory(_temp.File(".git/info"));
        Write(".git/info/exclude", "*.tmp\n");
        Write(".gitignore", "# build output\n/a.log\nnode_modules/\nbuild/\n*.log\n!keep.log\nlogs/old/\n\\#literal\n");
        Write("keep.log", "x");
        Write("#literal", "x");
        Write("src/deep/a.log", "x");
        Write("src/.gitignore", "!a.log\nc.cs\n");
        Write("src/build", "a file: the directory rule build/ leaves it");

        var found = (await FindAsync([_temp.Path])).Select(Rel).ToList();

        // /a.log anchored, *.log anywhere, !keep.log re-included, node_modules/ only a directory: src/node_modules goes,
        // logs/old/ is a directory rule, src/.gitignore re-includes a.log below src and ignores c.cs, \# is a plain name.
        Assert.Equal(["b.txt", "keep.log", "src/build", "src/deep/a.log"], found);
        Assert.Equal(12, (await FindAsync([_temp.Path], noIgnore: true)).Count);

        // A walk that starts below the repository's top still obeys the files above it.
        Assert.Equal(["src/build", "src/deep/a.log"], (await FindAsync([_temp.File("src")])).Select(Rel));
        Assert.Equal(["x.log"], (await FindAsync([_temp.File("logs/x.log")])).Select(i => Path.GetFileName(i.DisplayPath)));
    }

    [Fact]
    public async Task FindAsync_gitignore_outside_a_repository_is_not_read_but_dot_ignore_is()
    {
        Write(".gitignore", "*.log\n");
        Write("src/.ignore", "*.cs\n");

        var found = (await FindAsync([_temp.Path])).Select(Rel).ToList();

        Assert.Contains("a.log", found);
        Assert.DoesNotContain("src/c.cs", found);
        Assert.Contains("src/node_modules/n.js", found);
    }

    [Fact]
    public async Task FindAsync_a_hostile_ignore_pattern_does_not_stall_the_walk()
    {
        // With a backtracking matcher this pattern against a 200-character name takes longer than anyone waits.
        Write(".ignore", string.Concat(Enumerable.Repeat("*a", 14)) + "*b\n");
        Write(new string('a', 200), "x");

        var found = await Task.Run(() => FindAsync([_temp.Path])).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Contains(new string('a', 200), found.Select(Rel));
    }

    [Fact]
    public async Task FindAsync_an_ignore_file_that_is_a_fifo_or_a_link_is_not_read()
    {
        ProcessRunner.Run("mkfifo", _temp.File(".ignore"));
        Directory.CreateDirectory(_temp.File("src/.git"));
        File.CreateSymbolicLink(_temp.File("src/.gitignore"), "/dev/zero");

        var found = await Task.Run(() => FindAsync([_temp.Path])).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Contains("src/c.cs", found.Select(Rel));
        Assert.Contains("a.log", found.Select(Rel));
    }
}
