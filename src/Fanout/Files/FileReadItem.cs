using Fanout.Engine;

namespace Fanout.Files;

/// <summary>One file to read.</summary>
/// <param name="Path">The path to open.</param>
/// <param name="DisplayPath">The path as reported: under the root the user gave, as <c>find</c> prints it.</param>
public sealed record FileReadItem(string Path, string DisplayPath)
{
    /// <summary>A problem found while finding the file (a symlink loop, a missing path); the item then fails with it.</summary>
    public WorkError? Problem { get; init; }

    /// <summary>
    /// The path as the kernel's bytes, NUL-terminated, when its name is not valid UTF-8 (a .NET string cannot hold it,
    /// so <see cref="Path"/> could not open it); <see cref="DisplayPath"/> then shows the bad bytes as <c>\xNN</c>.
    /// </summary>
    internal byte[]? RawPath { get; init; }
}
