using System.Runtime.CompilerServices;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Files;

/// <summary>
/// Expands the paths a user gives into files, lazily and in a stable order: files as they are,
/// directories recursively, globs (<c>logs/**/*.log</c>) from their literal base directory, and
/// <c>-</c> for a list of paths on standard input. Excluded paths are pruned. Symbolic links inside
/// directories are followed only when asked, and a link back into its own ancestry is reported as a loop.
/// Problems become items that carry their error, so the run reports them and goes on.
/// </summary>
internal static class FileFinder
{
    /// <summary>Finds the files named by <paramref name="arguments"/>.</summary>
    /// <param name="arguments">Files, directories, globs, or <c>-</c> for paths on standard input.</param>
    /// <param name="options">
    /// How to walk: <see cref="FileReadOptions.Excludes"/> (with a <c>/</c> they match the path under the root, without one
    /// any single name in it), <see cref="FileReadOptions.FollowLinks"/>, <see cref="FileReadOptions.Hidden"/> and
    /// <see cref="FileReadOptions.NoIgnore"/>. Paths named as they are (not globs) are read even when hidden or ignored.
    /// </param>
    /// <param name="openStandardInput">Opens standard input for <c>-</c>.</param>
    /// <param name="cancellationToken">Stops the search.</param>
    /// <returns>The files, in directory order with names sorted.</returns>
    public static async IAsyncEnumerable<FileReadItem> FindAsync(
        IReadOnlyList<string> arguments,
        FileReadOptions options,
        Func<Stream> openStandardInput,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(options);
        var search = new Search([.. options.Excludes.Select(e => Glob.Parse(e.TrimEnd('/')))], options, cancellationToken);
        foreach (var argument in arguments)
        {
            if (argument == InputReader.StandardInputName)
            {
                await foreach (var line in InputReader.ReadLinesAsync([], openStandardInput, cancellationToken).ConfigureAwait(false))
                {
                    foreach (var item in search.FromPath(line.Text))
                    {
                        yield return item;
                    }
                }

                continue;
            }

            foreach (var item in Glob.HasWildcards(argument) ? search.FromGlob(argument) : search.FromPath(argument))
            {
                yield return item;
            }
        }
    }

    private sealed class Search(IReadOnlyList<Glob> excludes, FileReadOptions options, CancellationToken cancellationToken)
    {
        public IEnumerable<FileReadItem> FromPath(string path)
        {
            var kind = FileKind.Of(path);
            if (kind == FileKind.Kind.Symlink)
            {
                // A path the user named is followed, as `find -H` does.
                kind = Directory.Exists(path) ? FileKind.Kind.Directory : File.Exists(path) ? FileKind.Kind.Regular : FileKind.Kind.Missing;
            }

            return kind switch
            {
                FileKind.Kind.Directory => Walk(path, path.TrimEnd('/'), path.TrimEnd('/'), RealPath(path), null, [], IgnoreAbove(path)),
                FileKind.Kind.Regular => [new FileReadItem(path, path)],
                FileKind.Kind.Missing => [Failed(path, FileReader.NotFoundKind, "no such file or directory")],
                _ => [Failed(path, FileReader.NotRegularKind, "not a regular file")],
            };
        }

        public IEnumerable<FileReadItem> FromGlob(string pattern)
        {
            // The base is the literal directory before the first segment with a wildcard.
            var segments = pattern.Split('/');
            var literal = segments.TakeWhile(s => !Glob.HasWildcards(s)).ToList();
            var baseDirectory = literal.Count == 0 ? "." : string.Join('/', literal);
            if (baseDirectory.Length == 0)
            {
                baseDirectory = "/";
            }

            var glob = Glob.Parse(string.Join('/', segments.Skip(literal.Count)));
            if (!Directory.Exists(baseDirectory))
            {
                return [];
            }

            var display = literal.Count == 0 ? string.Empty : baseDirectory.TrimEnd('/');
            return Walk(baseDirectory, display, display, RealPath(baseDirectory), glob, [], IgnoreAbove(baseDirectory));
        }

        /// <summary>The ignore rules from above a walk's root; <see langword="null"/> with <see cref="FileReadOptions.NoIgnore"/>.</summary>
        private IgnoreFiles? IgnoreAbove(string root) => options.NoIgnore ? null : IgnoreFiles.At(root);

        private IEnumerable<FileReadItem> Walk(string directory, string display, string root, string realDirectory, Glob? match, HashSet<string> ancestors, IgnoreFiles? ignoreAbove)
        {
            ancestors.Add(realDirectory);
            FileSystemInfo[] entries;
            try
            {
                entries = new DirectoryInfo(directory).GetFileSystemInfos();
            }
            catch (UnauthorizedAccessException)
            {
                ancestors.Remove(realDirectory);
                return [Failed(display, FileReader.PermissionDeniedKind, "permission denied (directory)")];
            }
            catch (DirectoryNotFoundException)
            {
                ancestors.Remove(realDirectory);
                return [Failed(display, FileReader.NotFoundKind, "directory vanished")];
            }

            Array.Sort(entries, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            return WalkEntries(entries, display, root, realDirectory, match, ancestors, ignoreAbove?.Enter(directory));
        }

        private IEnumerable<FileReadItem> WalkEntries(FileSystemInfo[] entries, string display, string root, string realDirectory, Glob? match, HashSet<string> ancestors, IgnoreFiles? ignore)
        {
            foreach (var entry in entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var shown = display.Length == 0 ? entry.Name : display == "/" ? "/" + entry.Name : $"{display}/{entry.Name}";
                var relative = RelativeToRoot(shown, root);
                if (IsExcluded(relative, entry.Name) || IsHiddenOrIgnored(entry, ignore))
                {
                    continue;
                }

                if (entry.Name.Contains('\uFFFD', StringComparison.Ordinal) && Posix.Available && RawName(entry) is { } raw)
                {
                    // A name that is not UTF-8: .NET shows it with replacement characters and cannot open it; read it by its bytes.
                    if (RawItem(entry, raw, shown, relative, match) is { } item)
                    {
                        yield return item;
                    }

                    continue;
                }

                var kind = FileKind.Of(entry.FullName);
                var realPath = Path.Combine(realDirectory, entry.Name);
                if (kind == FileKind.Kind.Symlink)
                {
                    if (!options.FollowLinks)
                    {
                        continue;
                    }

                    FileSystemInfo? target = null;
                    var loop = false;
                    try
                    {
                        target = entry.ResolveLinkTarget(returnFinalTarget: true);
                    }
                    catch (IOException)
                    {
                        // Links that lead to each other (a -> b -> a): one bad path, and the walk goes on.
                        loop = true;
                    }

                    if (loop)
                    {
                        yield return Failed(shown, FileReader.SymlinkLoopKind, "symbolic link loop (too many levels of links)");
                        continue;
                    }

                    if (target is null || !target.Exists)
                    {
                        yield return Failed(shown, FileReader.NotFoundKind, "broken symbolic link");
                        continue;
                    }

                    realPath = target.FullName;
                    kind = target is DirectoryInfo ? FileKind.Kind.Directory : FileKind.Of(target.FullName);
                }

                switch (kind)
                {
                    case FileKind.Kind.Directory when ancestors.Contains(realPath):
                        yield return Failed(shown, FileReader.SymlinkLoopKind, $"symbolic link loop: leads back to {realPath}");
                        break;
                    case FileKind.Kind.Directory:
                        foreach (var item in Walk(entry.FullName, shown, root, realPath, match, ancestors, ignore))
                        {
                            yield return item;
                        }

                        break;
                    case FileKind.Kind.Regular when match is null || match.IsMatch(relative):
                        yield return new FileReadItem(entry.FullName, shown);
                        break;
                    case FileKind.Kind.Regular:
                        break;
                    case FileKind.Kind.Missing:
                        yield return Failed(shown, FileReader.NotFoundKind, "vanished before it was read");
                        break;
                    default:
                        if (match is null || match.IsMatch(relative))
                        {
                            yield return Failed(shown, FileReader.NotRegularKind, "not a regular file (FIFO, socket or device)");
                        }

                        break;
                }
            }

            ancestors.Remove(realDirectory);
        }

        /// <summary>The bytes of an entry's name when they are not valid UTF-8 (found among its directory's names); <see langword="null"/> for a real U+FFFD.</summary>
        private static byte[]? RawName(FileSystemInfo entry) =>
            Posix.ListNames(Path.GetDirectoryName(entry.FullName)!).FirstOrDefault(n => !Posix.IsUtf8(n) && System.Text.Encoding.UTF8.GetString(n) == entry.Name);

        /// <summary>The item for an entry whose name is not UTF-8, shown with its bad bytes as <c>\xNN</c>; <see langword="null"/> when it is not one to read.</summary>
        private static FileReadItem? RawItem(FileSystemInfo entry, byte[] raw, string shown, string relative, Glob? match)
        {
            var display = shown[..^entry.Name.Length] + Posix.Show(raw);
            byte[] path = [.. System.Text.Encoding.UTF8.GetBytes(Path.GetDirectoryName(entry.FullName) + "/"), .. raw, 0];
            return Posix.Stat(null, path).Type switch
            {
                Posix.EntryType.Regular when match is null || match.IsMatch(relative) => new FileReadItem(entry.FullName, display) { RawPath = path },
                Posix.EntryType.Directory => Failed(display, FileReader.NotRegularKind, "a directory whose name is not UTF-8: not searched"),
                Posix.EntryType.Other when match is null || match.IsMatch(relative) => Failed(display, FileReader.NotRegularKind, "not a regular file (FIFO, socket or device)"),
                _ => null,
            };
        }

        /// <summary>
        /// A hidden entry (a name starting with a dot) unless <see cref="FileReadOptions.Hidden"/>; <c>.git</c> even then,
        /// unless <see cref="FileReadOptions.NoIgnore"/> too; an entry the ignore files leave out.
        /// </summary>
        private bool IsHiddenOrIgnored(FileSystemInfo entry, IgnoreFiles? ignore) =>
            entry.Name.StartsWith('.') && (!options.Hidden || (entry.Name == ".git" && !options.NoIgnore))
            || (ignore is not null && ignore.IsIgnored(entry.FullName, entry is DirectoryInfo));

        private bool IsExcluded(string relative, string name)
        {
            foreach (var exclude in excludes)
            {
                if (exclude.Pattern.Contains('/', StringComparison.Ordinal) ? exclude.IsMatch(relative) : exclude.IsMatch(name))
                {
                    return true;
                }
            }

            return false;
        }

        private static string RelativeToRoot(string shown, string root) =>
            root.Length == 0 ? shown : root == "/" ? shown[1..] : shown[(root.Length + 1)..];

        private static string RealPath(string path)
        {
            var info = new DirectoryInfo(path);
            var target = info.LinkTarget is null ? null : info.ResolveLinkTarget(returnFinalTarget: true);
            return Path.GetFullPath(target?.FullName ?? info.FullName).TrimEnd('/');
        }

        private static FileReadItem Failed(string path, string kind, string message) =>
            new(path, path) { Problem = new WorkError(kind, message) };
    }
}
