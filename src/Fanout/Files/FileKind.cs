using System.Runtime.InteropServices;
using System.Text;

namespace Fanout.Files;

/// <summary>
/// The type of a file system entry. .NET reports FIFOs, sockets and devices as ordinary empty files,
/// and opening a FIFO to read it blocks forever, so the type is asked of the kernel with
/// <c>statx(2)</c>, whose layout is the same on every architecture.
/// </summary>
internal static partial class FileKind
{
    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private const int TypeMask = 0xF000;
    private const int RegularType = 0x8000;
    private const int DirectoryType = 0x4000;
    private const int SymlinkType = 0xA000;
    private static bool _unavailable = !OperatingSystem.IsLinux();

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
        if (!_unavailable)
        {
            try
            {
                var buffer = new byte[256];
                var pathBytes = Encoding.UTF8.GetBytes(path + "\0");
                if (Statx(AtCurrentDirectory, pathBytes, AtSymlinkNoFollow, StatxType, buffer) != 0)
                {
                    return Kind.Missing;
                }

                return (BitConverter.ToUInt16(buffer, ModeOffset) & TypeMask) switch
                {
                    RegularType => Kind.Regular,
                    DirectoryType => Kind.Directory,
                    SymlinkType => Kind.Symlink,
                    _ => Kind.Other,
                };
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                _unavailable = true;
            }
        }

        // Without statx: what .NET can tell, taking any non-directory as a regular file.
        var info = new FileInfo(path);
        return info.LinkTarget is not null ? Kind.Symlink
            : info.Attributes.HasFlag(FileAttributes.Directory) && Directory.Exists(path) ? Kind.Directory
            : info.Exists ? Kind.Regular
            : Kind.Missing;
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directoryDescriptor, byte[] path, int flags, uint mask, byte[] buffer);
}
