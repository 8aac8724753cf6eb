namespace Fanout.Downloads;

/// <summary>One file to download.</summary>
/// <param name="Url">The absolute http or https URL.</param>
public sealed record DownloadItem(Uri Url)
{
    /// <summary>The file name (or path under the directory) asked for; otherwise it comes from the response or the URL.</summary>
    public string? Name { get; init; }

    /// <summary>The expected sha256 (hex); a mismatch fails the download and leaves no file.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Headers of this request, added to the job's.</summary>
    public IReadOnlyList<Web.RequestHeader> Headers { get; init; } = [];

    /// <summary>The input line as given, so failures can be written back for a rerun (<c>--failed</c>).</summary>
    public string? InputText { get; init; }

    /// <summary>Its listing entry (JSON), written beside the file as <c>NAME.json</c> (<c>--metadata</c>); null for none.</summary>
    public string? Metadata { get; init; }
}
