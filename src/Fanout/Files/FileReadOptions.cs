using System.Text.RegularExpressions;

namespace Fanout.Files;

/// <summary>What to compute for each file.</summary>
public sealed record FileReadOptions
{
    /// <summary>The default size of the buffers files are streamed through: 1 MiB.</summary>
    public const int DefaultBufferSize = 1 << 20;

    /// <summary>The default number of matching lines kept per file.</summary>
    public const int DefaultMaxMatches = 10;

    /// <summary>The default cap on <see cref="FileReadResult.Content"/>: 1 MiB.</summary>
    public const long DefaultMaxContentBytes = 1 << 20;

    /// <summary>The digest to compute.</summary>
    /// <value>Default <see cref="FileHashAlgorithm.Sha256"/>.</value>
    public FileHashAlgorithm Hash { get; init; } = FileHashAlgorithm.Sha256;

    /// <summary>
    /// Read gzip and zstd files (known by their first bytes) as the text inside, as <c>rg -z</c>: lines, matches, content
    /// and rows are of that text; the digest stays the stored file's. A cut or damaged file is a <see cref="FileReader.CorruptKind"/> error.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool Decompress { get; init; }

    /// <summary>Lines matching this are counted and the first <see cref="MaxMatches"/> kept; <see langword="null"/> for no search.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public Regex? Grep { get; init; }

    /// <summary>Whether <see cref="Grep"/> finds the lines that do not match (<c>grep -v</c>).</summary>
    public bool InvertMatch { get; init; }

    /// <summary>
    /// Each line this matches becomes a row of its named groups (<c>(?&lt;level&gt;[A-Z]+)</c>), typed (integers, decimals,
    /// true/false, else text), with the file's path and the line number: <see cref="FileReadResult.Rows"/>. Every
    /// matching line of a file is kept; <see langword="null"/> for none.
    /// </summary>
    public Regex? Extract { get; init; }

    /// <summary>The fields every <see cref="Extract"/> row has, which its groups may not be named.</summary>
    public static IReadOnlySet<string> ExtractRowFields { get; } = new HashSet<string>(StringComparer.Ordinal) { "path", "line" };

    /// <summary>Only files of at least this many bytes (<c>--size +1M</c>); null for no lower bound.</summary>
    public long? MinSize { get; init; }

    /// <summary>Only files of at most this many bytes (<c>--size -1M</c>); null for no upper bound.</summary>
    public long? MaxSize { get; init; }

    /// <summary>Only files modified after this time (<c>--newer 2d</c>, <c>--newer FILE</c>); null for any.</summary>
    public DateTimeOffset? ModifiedAfter { get; init; }

    /// <summary>Lines before each kept match that it carries (<c>grep -B</c>, <c>-C</c>).</summary>
    /// <value>Default 0.</value>
    public int ContextBefore { get; init; }

    /// <summary>Lines after each kept match that it carries (<c>grep -A</c>, <c>-C</c>).</summary>
    /// <value>Default 0.</value>
    public int ContextAfter { get; init; }

    /// <summary>Matching lines kept per file (all are counted).</summary>
    /// <value>Default <see cref="DefaultMaxMatches"/> (10).</value>
    public int MaxMatches { get; init; } = DefaultMaxMatches;

    /// <summary>Include the file's text in the result (binary files excepted).</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool IncludeContent { get; init; }

    /// <summary>Most bytes of text kept per file when <see cref="IncludeContent"/> is set; the rest is cut and flagged.</summary>
    /// <value>Default <see cref="DefaultMaxContentBytes"/> (1 MiB).</value>
    public long MaxContentBytes { get; init; } = DefaultMaxContentBytes;

    /// <summary>Size of each pooled read buffer; memory per file in flight is about this, whatever the file size.</summary>
    /// <value>Default <see cref="DefaultBufferSize"/> (1 MiB).</value>
    public int BufferSize { get; init; } = DefaultBufferSize;

    /// <summary>
    /// Glob patterns of paths to leave out when finding files: with a <c>/</c> they match the path under the root
    /// given, without one any single name in it (<c>node_modules</c>, <c>*.tmp</c>).
    /// </summary>
    /// <value>Default none.</value>
    public IReadOnlyList<string> Excludes { get; init; } = [];

    /// <summary>Read hidden files and directories (names starting with a dot) found inside directories; <c>.git</c> stays out unless <see cref="NoIgnore"/> too.</summary>
    /// <value>Default <see langword="false"/>, as ripgrep and fd.</value>
    public bool Hidden { get; init; }

    /// <summary>
    /// Read what <c>.gitignore</c> (inside a git repository), <c>.git/info/exclude</c> and <c>.ignore</c> files leave out
    /// (see ripgrep and fd, whose rules these are).
    /// </summary>
    /// <value>Default <see langword="false"/>: ignore files are respected.</value>
    public bool NoIgnore { get; init; }

    /// <summary>Follow symbolic links found inside directories (a link back into its own ancestry is reported as a loop).</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool FollowLinks { get; init; }
}
