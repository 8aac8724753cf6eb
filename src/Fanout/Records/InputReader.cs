using System.Runtime.CompilerServices;
using System.Text;

namespace Fanout.Records;

/// <summary>Reads input lines from files and standard input, lazily, with their locations.</summary>
public static class InputReader
{
    /// <summary>The name that stands for standard input.</summary>
    public const string StandardInputName = "-";

    /// <summary>
    /// Reads the lines of each source in turn, skipping blank lines and lines starting with <c>#</c>.
    /// No sources means standard input.
    /// </summary>
    /// <param name="sources">File paths; <c>-</c> is standard input.</param>
    /// <param name="openStandardInput">Opens standard input when it is asked for.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The lines.</returns>
    public static async IAsyncEnumerable<InputLine> ReadLinesAsync(
        IReadOnlyList<string> sources,
        Func<Stream> openStandardInput,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(openStandardInput);
        IReadOnlyList<string> names = sources.Count == 0 ? [StandardInputName] : sources;
        foreach (var name in names)
        {
            var stream = name == StandardInputName
                ? openStandardInput()
                : new FileStream(name, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
            long lineNumber = 0;
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
            {
                lineNumber++;
                var trimmed = text.AsSpan().Trim();
                if (trimmed.IsEmpty || trimmed[0] == '#')
                {
                    continue;
                }

                yield return new InputLine(name, lineNumber, text.Trim());
            }
        }
    }

    /// <summary>
    /// Checks every named file can be opened before a run starts, so a typo is a usage error
    /// (exit 2) and not a run that stops halfway.
    /// </summary>
    /// <param name="sources">File paths; <c>-</c> is standard input and is not checked.</param>
    /// <returns>A message per unreadable file; empty when all are readable.</returns>
    public static IReadOnlyList<string> FindUnreadable(IEnumerable<string> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var problems = new List<string>();
        foreach (var name in sources)
        {
            if (name == StandardInputName)
            {
                continue;
            }

            try
            {
                using var _ = File.OpenRead(name);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{name}: {ex.Message}");
            }
        }

        return problems;
    }
}
