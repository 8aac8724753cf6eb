namespace Fanout.Files;

/// <summary>What was read from one file.</summary>
public sealed record FileReadResult
{
    /// <summary>Size in bytes, as stored.</summary>
    public required long Bytes { get; init; }

    /// <summary>With <see cref="FileReadOptions.Decompress"/>: <c>gzip</c> or <c>zstd</c> when the file was one (then lines, matches and content are of the text inside); else <see langword="null"/>.</summary>
    public string? Compression { get; init; }

    /// <summary>The size of the text inside a compressed file (<see cref="Compression"/>); <see langword="null"/> for a plain one.</summary>
    public long? UncompressedBytes { get; init; }

    /// <summary>Newline characters, as <c>wc -l</c> counts them.</summary>
    public required long Lines { get; init; }

    /// <summary>Lower-case hex digest, or <see langword="null"/> with <see cref="FileHashAlgorithm.None"/>.</summary>
    public string? Hash { get; init; }

    /// <summary>Last write time.</summary>
    public required DateTimeOffset Modified { get; init; }

    /// <summary><c>utf-8</c>, <c>utf-8-bom</c>, <c>utf-16le-bom</c>, <c>utf-16be-bom</c>, <c>binary</c> (a NUL byte near the start) or <c>unknown</c> (text that is not UTF-8).</summary>
    public required string Encoding { get; init; }

    /// <summary>Lines matching the search, when there was one.</summary>
    public long? MatchCount { get; init; }

    /// <summary>The first matching lines, when there was a search.</summary>
    public IReadOnlyList<FileMatch>? Matches { get; init; }

    /// <summary>The text, when asked for and the file is not binary.</summary>
    public string? Content { get; init; }

    /// <summary>Whether <see cref="Content"/> was cut at <see cref="FileReadOptions.MaxContentBytes"/>.</summary>
    public bool ContentTruncated { get; init; }

    /// <summary>With <see cref="FileReadOptions.Extract"/>: a JSON object per matching line (path, line, the named groups).</summary>
    public IReadOnlyList<string>? Rows { get; init; }
}
