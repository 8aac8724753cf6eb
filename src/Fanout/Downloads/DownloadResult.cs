namespace Fanout.Downloads;

/// <summary>What happened to one download.</summary>
public sealed record DownloadResult
{
    /// <summary>The file's path (under the download directory), once known.</summary>
    public string? Path { get; init; }

    /// <summary>The final HTTP status.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Size of the file on disk (for a failure: bytes received before it failed).</summary>
    public long Bytes { get; init; }

    /// <summary>Lower-case hex sha256 of the complete file.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Whether an earlier partial download was continued with a Range request.</summary>
    public bool Resumed { get; init; }

    /// <summary>Whether the file was already complete and nothing was downloaded.</summary>
    public bool Skipped { get; init; }
}
