namespace Fanout.Files;

/// <summary>
/// The ignore files a directory walk respects, as ripgrep and fd do: <c>.gitignore</c> (inside a git repository,
/// with the repository's <c>.git/info/exclude</c>) and <c>.ignore</c> (anywhere), each applying to its directory and
/// everything below it. Files in the directories above the walk's root, up to the repository's top, count too.
/// The rules follow gitignore(5): <c>#</c> comments, <c>!</c> to re-include, a trailing <c>/</c> for directories
/// only, a pattern with a <c>/</c> anchored to its file's directory and one without matching a name at any depth,
/// <c>*</c> <c>?</c> <c>[a-z]</c> <c>**</c> and <c>\</c> escapes; the last matching rule of the deepest file that
/// has one decides. An ignored directory is not entered, so nothing below it can be re-included (as in git).
/// </summary>
internal sealed class IgnoreFiles
{
    private static readonly string[] NamesInRepository = [".gitignore", ".ignore"];
    private static readonly string[] NamesOutside = [".ignore"];

    private readonly Frame? _top;
    private readonly string? _repository;

    private IgnoreFiles(Frame? top, string? repository)
    {
        _top = top;
        _repository = repository;
    }

    /// <summary>
    /// The rules in force above a walk's root: the repository's exclude file and the ignore files of the directories
    /// from the repository's top down to <paramref name="root"/>'s parent. The walk then enters the root itself.
    /// </summary>
    /// <param name="root">The directory the walk starts in.</param>
    /// <returns>The rules from above the root.</returns>
    public static IgnoreFiles At(string root)
    {
        var full = FullPath(root);
        var chain = new List<string>();
        string? repository = null;
        for (string? directory = full; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            chain.Add(directory);
            if (Path.Exists(Path.Combine(directory, ".git")))
            {
                repository = directory;
                break;
            }
        }

        if (repository is null)
        {
            // Outside a repository only the .ignore files from the root down count.
            return new IgnoreFiles(null, null);
        }

        var rules = new IgnoreFiles(Load(null, repository, [Path.Combine(repository, ".git", "info", "exclude")]), repository);
        for (var i = chain.Count - 1; i >= 1; i--)
        {
            rules = rules.Enter(chain[i]);
        }

        return rules;
    }

    /// <summary>The rules inside <paramref name="directory"/>: these with its own ignore files added (this instance when it has none).</summary>
    /// <param name="directory">A directory of the walk, a child of the last one entered.</param>
    /// <returns>The rules below it.</returns>
    public IgnoreFiles Enter(string directory)
    {
        var full = FullPath(directory);
        var names = _repository is null ? NamesOutside : NamesInRepository;
        var frame = Load(_top, full, names.Select(n => Path.Combine(full, n)));
        return ReferenceEquals(frame, _top) ? this : new IgnoreFiles(frame, _repository);
    }

    /// <summary>Whether an entry of the walk is ignored.</summary>
    /// <param name="fullPath">Its full path (under the directories entered).</param>
    /// <param name="isDirectory">Whether it is a directory (rules ending in <c>/</c> match only those).</param>
    /// <returns><see langword="true"/> when the deepest ignore file with a matching rule ignores it.</returns>
    public bool IsIgnored(string fullPath, bool isDirectory)
    {
        var name = Path.GetFileName(fullPath);
        for (var frame = _top; frame is not null; frame = frame.Parent)
        {
            if (!fullPath.StartsWith(frame.Prefix, StringComparison.Ordinal) || fullPath.Length == frame.Prefix.Length)
            {
                continue;
            }

            var relative = fullPath[frame.Prefix.Length..];
            for (var i = frame.Rules.Count - 1; i >= 0; i--)
            {
                var rule = frame.Rules[i];
                if ((!rule.DirectoryOnly || isDirectory) && rule.Glob.IsMatch(rule.Anchored ? relative : name))
                {
                    return !rule.Negated;
                }
            }
        }

        return false;
    }

    /// <summary>Parses one ignore file's lines into rules (gitignore(5)).</summary>
    /// <param name="lines">The file's lines.</param>
    /// <returns>The rules, in the file's order.</returns>
    internal static List<Rule> Parse(IEnumerable<string> lines)
    {
        var rules = new List<Rule>();
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            // Trailing spaces go, unless the last is escaped with a backslash.
            var end = line.Length;
            while (end > 0 && line[end - 1] == ' ' && !(end > 1 && line[end - 2] == '\\'))
            {
                end--;
            }

            line = line[..end];
            var negated = line.StartsWith('!');
            if (negated)
            {
                line = line[1..];
            }
            else if (line.StartsWith("\\!", StringComparison.Ordinal) || line.StartsWith("\\#", StringComparison.Ordinal))
            {
                line = line[1..];
            }

            var directoryOnly = line.EndsWith('/');
            line = line.TrimEnd('/');
            if (line.Length == 0)
            {
                continue;
            }

            var anchored = line.Contains('/', StringComparison.Ordinal);
            rules.Add(new Rule(Glob.Parse(line.TrimStart('/')), negated, directoryOnly, anchored));
        }

        return rules;
    }

    private static Frame? Load(Frame? parent, string directory, IEnumerable<string> files)
    {
        var rules = new List<Rule>();
        foreach (var file in files)
        {
            try
            {
                // Only a regular file: a FIFO named .gitignore would block the walk for ever, a link could lead to /dev/zero
                // (git does not follow a symbolic link there either).
                if (FileKind.Of(file) == FileKind.Kind.Regular)
                {
                    rules.AddRange(Parse(File.ReadLines(file)));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // An ignore file that cannot be read ignores nothing, as in git.
            }
        }

        return rules.Count == 0 ? parent : new Frame(parent, directory == "/" ? "/" : directory + "/", rules);
    }

    /// <summary>A directory's full path without a trailing slash (the root stays <c>/</c>).</summary>
    private static string FullPath(string directory)
    {
        var full = Path.GetFullPath(directory);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }

    /// <summary>One rule of an ignore file.</summary>
    /// <param name="Glob">The pattern, without its <c>!</c>, leading and trailing <c>/</c>.</param>
    /// <param name="Negated">A <c>!</c> rule: what it matches is not ignored.</param>
    /// <param name="DirectoryOnly">A rule ending in <c>/</c>: it matches directories only.</param>
    /// <param name="Anchored">It has a <c>/</c>: it matches the path under its file's directory, else any name.</param>
    internal sealed record Rule(Glob Glob, bool Negated, bool DirectoryOnly, bool Anchored);

    /// <summary>One ignore file's (or one directory's) rules; <paramref name="Prefix"/> is its directory with a trailing slash.</summary>
    private sealed record Frame(Frame? Parent, string Prefix, List<Rule> Rules);
}
