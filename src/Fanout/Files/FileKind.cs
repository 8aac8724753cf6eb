namespace Fanout.Files;

/// <summary>
/// The type of a file system entry. .NET reports FIFOs, sockets and devices as ordinary empty files,
/// and opening a FIFO to read it blocks forever, so the type is asked of the kernel (<see cref="Posix.Stat"/>).
/// </summary>
internal static class FileKind
{
    public enum Kind
    {
        Regular,
        Directory,
        Symlink,
        Other,
        Missing,
    }

    /// <summary>The entry's own type (a symlink is reported as such, not followed).</summary>
    public static Kind Of(string path)
    {
        if (Posix.Available)
        {
            return Posix.Stat(null, Posix.Name(path)).Type switch
            {
                Posix.EntryType.Regular => Kind.Regular,
                Posix.EntryType.Directory => Kind.Directory,
                Posix.EntryType.Symlink => Kind.Symlink,
                Posix.EntryType.Missing => Kind.Missing,
                _ => Kind.Other,
            };
        }

        // Without statx: what .NET can tell, taking any non-directory as a regular file.
        var info = new FileInfo(path);
        return info.LinkTarget is not null ? Kind.Symlink
            : info.Attributes.HasFlag(FileAttributes.Directory) && Directory.Exists(path) ? Kind.Directory
            : info.Exists ? Kind.Regular
            : Kind.Missing;
    }
}
