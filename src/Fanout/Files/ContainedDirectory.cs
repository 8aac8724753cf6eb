using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Fanout.Files;

/// <summary>
/// A directory nothing written under it can leave. Every path below it is opened one name at a time from the
/// directory's own handle, without following symbolic links (<c>openat</c> with <c>O_NOFOLLOW</c>), so a link planted
/// inside (<c>out/photos -&gt; /elsewhere</c>, <c>out/a.part -&gt; /home/me/.bashrc</c>) is refused, never written
/// through; and only regular files are opened (a FIFO or a device in the way is refused too). The directory itself
/// is the one the user named, link or not. Off Linux, the same checks are made by path (racy, but the same rules).
/// </summary>
internal sealed class ContainedDirectory : IDisposable
{
    private readonly SafeFileHandle? _root;

    /// <summary>Opens (creating it if missing) the directory.</summary>
    /// <param name="path">The directory.</param>
    public ContainedDirectory(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(Path);
        if (Posix.Available)
        {
            _root = Posix.OpenAt(null, Posix.Name(Path), Posix.PathOnly | Posix.DirectoryOnly);
            if (_root.IsInvalid)
            {
                throw Posix.Error(Marshal.GetLastPInvokeError(), Path);
            }
        }
    }

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>What is at <paramref name="relative"/>: its own type (a link is reported as a link), size and time.</summary>
    /// <param name="relative">A path under the directory, <c>/</c>-separated.</param>
    /// <returns>The entry; <see cref="Posix.EntryType.Missing"/> when it or a directory on its way is not there (or is a link).</returns>
    public Posix.Entry Stat(string relative)
    {
        if (_root is null)
        {
            var full = Full(relative);
            var info = new FileInfo(full);
            return info.LinkTarget is not null ? new Posix.Entry(Posix.EntryType.Symlink, 0, default)
                : Directory.Exists(full) ? new Posix.Entry(Posix.EntryType.Directory, 0, default)
                : info.Exists ? new Posix.Entry(Posix.EntryType.Regular, info.Length, info.LastWriteTimeUtc)
                : new Posix.Entry(Posix.EntryType.Missing, 0, default);
        }

        var (parent, name) = Split(relative);
        using var directory = OpenDirectory(parent, create: false);
        return directory is null ? new Posix.Entry(Posix.EntryType.Missing, 0, default) : Posix.Stat(directory, Posix.Name(name));
    }

    /// <summary>Opens a regular file to write, creating the directories on its way.</summary>
    /// <param name="relative">A path under the directory.</param>
    /// <param name="append">Append to what is there; else start it empty.</param>
    /// <returns>The stream.</returns>
    /// <exception cref="IOException">A link or something other than a regular file or directory is in the way.</exception>
    public FileStream OpenWrite(string relative, bool append)
    {
        var flags = Posix.WriteOnly | Posix.Create | Posix.NoFollow | Posix.NonBlocking | (append ? Posix.Append : Posix.Truncate);
        return new FileStream(Open(relative, flags, create: true), FileAccess.Write, 1 << 16);
    }

    /// <summary>Opens a regular file to read.</summary>
    /// <param name="relative">A path under the directory.</param>
    /// <returns>The stream.</returns>
    /// <exception cref="IOException">It is missing, a link, or not a regular file.</exception>
    public FileStream OpenRead(string relative) =>
        new(Open(relative, Posix.ReadOnly | Posix.NoFollow | Posix.NonBlocking, create: false), FileAccess.Read, 1 << 16);

    /// <summary>Gives <paramref name="from"/> the name <paramref name="to"/>, replacing a file there (never following a link).</summary>
    /// <param name="from">The file to move.</param>
    /// <param name="to">Its new name; the directories on its way are created.</param>
    public void Move(string from, string to)
    {
        if (_root is null)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Full(to))!);
            File.Move(Full(from), Full(to), overwrite: true);
            return;
        }

        var (fromParent, fromName) = Split(from);
        var (toParent, toName) = Split(to);
        using var source = OpenDirectory(fromParent, create: false) ?? throw Posix.Error(Posix.NoSuchEntry, Shown(from));
        using var target = OpenDirectory(toParent, create: true)!;
        if (Posix.Rename(source, Posix.Name(fromName), target, Posix.Name(toName)) != 0)
        {
            throw Posix.Error(Marshal.GetLastPInvokeError(), $"{Shown(from)} -> {Shown(to)}");
        }
    }

    /// <summary>Removes a file (a link is removed, not what it points to); nothing when it is not there.</summary>
    /// <param name="relative">A path under the directory.</param>
    public void Delete(string relative)
    {
        if (_root is null)
        {
            File.Delete(Full(relative));
            return;
        }

        var (parent, name) = Split(relative);
        using var directory = OpenDirectory(parent, create: false);
        if (directory is not null && Posix.Unlink(directory, Posix.Name(name)) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != Posix.NoSuchEntry)
        {
            throw Posix.Error(errno, Shown(relative));
        }
    }

    /// <summary>The full path of <paramref name="relative"/>, for messages.</summary>
    /// <param name="relative">A path under the directory.</param>
    /// <returns>The path.</returns>
    public string Full(string relative) => System.IO.Path.Combine(Path, relative);

    /// <inheritdoc/>
    public void Dispose() => _root?.Dispose();

    private SafeFileHandle Open(string relative, int flags, bool create)
    {
        if (_root is null)
        {
            var full = Full(relative);
            if (new FileInfo(full).LinkTarget is not null)
            {
                throw new IOException($"{full} is a symbolic link: fanout does not write or read through links in this directory");
            }

            if (create)
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            }

            return File.OpenHandle(full, (flags & Posix.WriteOnly) != 0 ? ((flags & Posix.Append) != 0 ? FileMode.Append : FileMode.Create) : FileMode.Open, (flags & Posix.WriteOnly) != 0 ? FileAccess.Write : FileAccess.Read);
        }

        var (parent, name) = Split(relative);
        using var directory = OpenDirectory(parent, create) ?? throw Posix.Error(Posix.NoSuchEntry, Shown(relative));
        var handle = Posix.OpenAt(directory, Posix.Name(name), flags);
        if (handle.IsInvalid)
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw errno == Posix.TooManyLinks
                ? new IOException($"{Shown(relative)} is a symbolic link: fanout does not write or read through links in this directory")
                : Posix.Error(errno, Shown(relative));
        }

        if (Posix.Stat(handle, [0]).Type != Posix.EntryType.Regular)
        {
            handle.Dispose();
            throw new IOException($"{Shown(relative)} is not a regular file");
        }

        return handle;
    }

    /// <summary>Opens the directories of <paramref name="parent"/> one by one, never through a link; <see langword="null"/> when one is missing and not created.</summary>
    private SafeFileHandle? OpenDirectory(string parent, bool create)
    {
        var current = Posix.OpenAt(_root, Posix.Name("."), Posix.PathOnly | Posix.DirectoryOnly);
        foreach (var segment in parent.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = Posix.Name(segment);
            var next = Posix.OpenAt(current, name, Posix.PathOnly | Posix.DirectoryOnly | Posix.NoFollow);
            if (next.IsInvalid && Marshal.GetLastPInvokeError() == Posix.NoSuchEntry && create)
            {
                next.Dispose();
                if (Posix.MakeDirectory(current, name) != 0 && Marshal.GetLastPInvokeError() is var made && made != Posix.Exists)
                {
                    current.Dispose();
                    throw Posix.Error(made, Shown(parent));
                }

                next = Posix.OpenAt(current, name, Posix.PathOnly | Posix.DirectoryOnly | Posix.NoFollow);
            }

            if (next.IsInvalid)
            {
                var errno = Marshal.GetLastPInvokeError();
                next.Dispose();
                current.Dispose();
                if (errno == Posix.NoSuchEntry && !create)
                {
                    return null;
                }

                // O_NOFOLLOW with O_PATH opens the link itself, which O_DIRECTORY then refuses: ENOTDIR for a link too.
                throw errno is Posix.NotADirectory or Posix.TooManyLinks
                    ? new IOException($"{Shown(parent)}: '{segment}' is a symbolic link or not a directory: fanout does not write through links in this directory")
                    : Posix.Error(errno, Shown(parent));
            }

            current.Dispose();
            current = next;
        }

        return current;
    }

    private static (string Parent, string Name) Split(string relative)
    {
        var clean = relative.Replace('\\', '/').Trim('/');
        if (clean.Length == 0 || clean.Split('/').Any(s => s is "." or ".."))
        {
            throw new ArgumentException($"'{relative}' is not a path under the directory", nameof(relative));
        }

        var slash = clean.LastIndexOf('/');
        return slash < 0 ? (string.Empty, clean) : (clean[..slash], clean[(slash + 1)..]);
    }

    private string Shown(string relative) => System.IO.Path.Combine(Path, relative);
}
