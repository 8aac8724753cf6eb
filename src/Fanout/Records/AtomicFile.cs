namespace Fanout.Records;

/// <summary>
/// A file that appears under its final name only when complete: written to a temporary sibling and
/// renamed on <see cref="CommitAsync"/>. Disposing without committing deletes the temporary file, so a
/// crash or an error never leaves a half-written file under the final name. A target that exists and
/// is not a regular file (<c>/dev/null</c>, a FIFO, a terminal) is written in place: renaming over it
/// would replace the device with a plain file.
/// </summary>
public sealed class AtomicFile : IAsyncDisposable
{
    private readonly string? _temporaryPath;
    private bool _committed;

    private AtomicFile(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        if (Files.FileKind.Of(Path) is Files.FileKind.Kind.Other)
        {
            Stream = new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
            return;
        }

        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        _temporaryPath = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Environment.ProcessId}.tmp");
        Stream = new FileStream(_temporaryPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
    }

    /// <summary>The final path.</summary>
    public string Path { get; }

    /// <summary>The stream to write to; owned by this object.</summary>
    public FileStream Stream { get; }

    /// <summary>Creates the temporary file next to <paramref name="path"/> (or opens a device or FIFO in place).</summary>
    /// <param name="path">The final path.</param>
    /// <returns>The file.</returns>
    public static AtomicFile Create(string path) => new(path);

    /// <summary>Flushes to disk and moves the file to its final name, replacing any file there.</summary>
    /// <param name="cancellationToken">Cancels the flush.</param>
    /// <returns>A task for the commit.</returns>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        if (Stream.CanWrite)
        {
            await Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (_temporaryPath is not null)
            {
                Stream.Flush(flushToDisk: true);
            }
        }

        await Stream.DisposeAsync().ConfigureAwait(false);
        if (_temporaryPath is not null)
        {
            File.Move(_temporaryPath, Path, overwrite: true);
        }

        _committed = true;
    }

    /// <summary>Deletes the temporary file unless it was committed.</summary>
    /// <returns>A task for the disposal.</returns>
    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync().ConfigureAwait(false);
        if (!_committed && _temporaryPath is not null)
        {
            File.Delete(_temporaryPath);
        }
    }
}
