using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Fanout.Files;

/// <summary>
/// The few Linux calls .NET does not offer: paths opened relative to a directory without following symbolic links
/// (<c>openat</c> with <c>O_NOFOLLOW</c>), entries' own types (<c>statx</c>, the same layout on every architecture), and
/// names as the raw bytes the kernel holds (a name that is not UTF-8 cannot round-trip through a .NET string).
/// </summary>
internal static partial class Posix
{
    public const int CurrentDirectory = -100;

    public const int ReadOnly = 0;
    public const int WriteOnly = 1;
    public const int Create = 0x40;
    public const int Exclusive = 0x80;
    public const int Truncate = 0x200;
    public const int Append = 0x400;
    public const int NonBlocking = 0x800;
    public const int CloseOnExec = 0x80000;
    public const int PathOnly = 0x200000;

    public const int NoSuchEntry = 2;
    public const int NoDevice = 6;
    public const int Exists = 17;
    public const int NotADirectory = 20;
    public const int IsADirectory = 21;
    public const int NoSpace = 28;
    public const int TooManyLinks = 40;
    public const int QuotaExceeded = 122;

    private const int SymlinkNoFollow = 0x100;
    private const int RemoveDirectory = 0x200;
    private const int EmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const uint StatxSize = 0x200;
    private const uint StatxModifiedTime = 0x40;
    private const int ModeOffset = 28;
    private const int SizeOffset = 40;
    private const int ModifiedOffset = 112;
    private const int StatxLength = 256;
    private const int TypeMask = 0xF000;
    private const int DirentNameOffset = 19;

    /// <summary><c>O_DIRECTORY</c>: its value differs between x86 and ARM.</summary>
    public static readonly int DirectoryOnly = IsArm ? 0x4000 : 0x10000;

    /// <summary><c>O_NOFOLLOW</c>: its value differs between x86 and ARM.</summary>
    public static readonly int NoFollow = IsArm ? 0x8000 : 0x20000;

    /// <summary>Whether these calls are there (Linux); elsewhere callers use what .NET offers.</summary>
    public static bool Available { get; } = OperatingSystem.IsLinux();

    private static bool IsArm => RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64;

    /// <summary>An entry's own type, size and modification time (a symbolic link is not followed).</summary>
    public readonly record struct Entry(EntryType Type, long Length, DateTimeOffset Modified);

    public enum EntryType
    {
        Missing,
        Regular,
        Directory,
        Symlink,
        Other,
    }

    /// <summary>A name for the kernel: UTF-8, or the raw bytes a directory listing gave, NUL-terminated.</summary>
    public static byte[] Name(string name) => Encoding.UTF8.GetBytes(name + "\0");

    /// <summary>Opens <paramref name="name"/> relative to <paramref name="directory"/> (or the current directory).</summary>
    /// <returns>The handle, invalid on failure (then <see cref="Marshal.GetLastPInvokeError"/> is the errno).</returns>
    public static SafeFileHandle OpenAt(SafeFileHandle? directory, byte[] name, int flags, int mode = 0x1A4)
    {
        if (directory is null)
        {
            return OpenAtNative(CurrentDirectory, name, flags | CloseOnExec, mode);
        }

        var added = false;
        directory.DangerousAddRef(ref added);
        try
        {
            return OpenAtNative((int)directory.DangerousGetHandle(), name, flags | CloseOnExec, mode);
        }
        finally
        {
            if (added)
            {
                directory.DangerousRelease();
            }
        }
    }

    /// <summary>The entry <paramref name="name"/> in <paramref name="directory"/>, or the handle's own file when <paramref name="name"/> is empty.</summary>
    public static Entry Stat(SafeFileHandle? directory, byte[] name)
    {
        var buffer = new byte[StatxLength];
        var flags = SymlinkNoFollow | (name.Length <= 1 ? EmptyPath : 0);
        var result = WithDescriptor(directory, fd => StatxNative(fd, name, flags, StatxType | StatxSize | StatxModifiedTime, buffer));
        if (result != 0)
        {
            return new Entry(EntryType.Missing, 0, default);
        }

        var type = (BitConverter.ToUInt16(buffer, ModeOffset) & TypeMask) switch
        {
            0x8000 => EntryType.Regular,
            0x4000 => EntryType.Directory,
            0xA000 => EntryType.Symlink,
            _ => EntryType.Other,
        };
        var seconds = BitConverter.ToInt64(buffer, ModifiedOffset);
        var nanoseconds = BitConverter.ToUInt32(buffer, ModifiedOffset + 8);
        return new Entry(type, BitConverter.ToInt64(buffer, SizeOffset), DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / 100));
    }

    public static int MakeDirectory(SafeFileHandle directory, byte[] name) => WithDescriptor(directory, fd => MkdiratNative(fd, name, 0x1ED));

    public static int Rename(SafeFileHandle fromDirectory, byte[] from, SafeFileHandle toDirectory, byte[] to) =>
        WithDescriptor(fromDirectory, source => WithDescriptor(toDirectory, target => RenameatNative(source, from, target, to)));

    public static int Unlink(SafeFileHandle directory, byte[] name, bool isDirectory = false) =>
        WithDescriptor(directory, fd => UnlinkatNative(fd, name, isDirectory ? RemoveDirectory : 0));

    /// <summary>The names in a directory as the kernel holds them (bytes, without the terminating NUL), <c>.</c> and <c>..</c> left out.</summary>
    public static List<byte[]> ListNames(string path)
    {
        var names = new List<byte[]>();
        var stream = OpendirNative(Name(path));
        if (stream == IntPtr.Zero)
        {
            return names;
        }

        try
        {
            while (ReaddirNative(stream) is var entry && entry != IntPtr.Zero)
            {
                var length = 0;
                while (Marshal.ReadByte(entry, DirentNameOffset + length) != 0)
                {
                    length++;
                }

                var name = new byte[length];
                Marshal.Copy(entry + DirentNameOffset, name, 0, length);
                if (name is not ([(byte)'.'] or [(byte)'.', (byte)'.']))
                {
                    names.Add(name);
                }
            }
        }
        finally
        {
            _ = ClosedirNative(stream);
        }

        return names;
    }

    /// <summary>A name's bytes as text to show: UTF-8 decoded, each byte that is not part of valid UTF-8 as <c>\xNN</c>.</summary>
    public static string Show(ReadOnlySpan<byte> name)
    {
        var text = new StringBuilder(name.Length);
        while (!name.IsEmpty)
        {
            if (System.Text.Rune.DecodeFromUtf8(name, out var rune, out var used) == System.Buffers.OperationStatus.Done)
            {
                text.Append(rune.ToString());
            }
            else
            {
                used = 1;
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{name[0]:x2}");
            }

            name = name[used..];
        }

        return text.ToString();
    }

    /// <summary>Whether a name's bytes are valid UTF-8 (a .NET string holds them exactly).</summary>
    public static bool IsUtf8(ReadOnlySpan<byte> name) => System.Text.Unicode.Utf8.IsValid(name);

    /// <summary>An errno as an exception that says what it was about.</summary>
    public static IOException Error(int errno, string what) => errno switch
    {
        NoSuchEntry => new FileNotFoundException($"{what}: no such file or directory"),
        NoSpace => new IOException($"{what}: no space left on device", errno),
        QuotaExceeded => new IOException($"{what}: disk quota exceeded", errno),
        _ => new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)}", errno),
    };

    private static int WithDescriptor(SafeFileHandle? directory, Func<int, int> call)
    {
        if (directory is null)
        {
            return call(CurrentDirectory);
        }

        var added = false;
        directory.DangerousAddRef(ref added);
        try
        {
            return call((int)directory.DangerousGetHandle());
        }
        finally
        {
            if (added)
            {
                directory.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static partial SafeFileHandle OpenAtNative(int directory, byte[] name, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int StatxNative(int directory, byte[] name, int flags, uint mask, byte[] buffer);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    private static partial int MkdiratNative(int directory, byte[] name, int mode);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true)]
    private static partial int RenameatNative(int fromDirectory, byte[] from, int toDirectory, byte[] to);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    private static partial int UnlinkatNative(int directory, byte[] name, int flags);

    [LibraryImport("libc", EntryPoint = "opendir", SetLastError = true)]
    private static partial IntPtr OpendirNative(byte[] name);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    private static partial IntPtr ReaddirNative(IntPtr stream);

    [LibraryImport("libc", EntryPoint = "closedir", SetLastError = true)]
    private static partial int ClosedirNative(IntPtr stream);
}
