namespace Fanout.Http;

/// <summary>One request to make.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Url">The absolute http or https URL.</param>
public sealed record HttpItem(string Method, Uri Url)
{
    /// <summary>A stable name for the request; defaults to the URL.</summary>
    public string? Key { get; init; }

    /// <summary>Headers of this request (added to, and overriding, the job's headers).</summary>
    public IReadOnlyList<Web.RequestHeader> Headers { get; init; } = [];

    /// <summary>The request body, or <see langword="null"/> for none.</summary>
    public string? Body { get; init; }

    /// <summary>Where the request came from (<c>file:line</c>), for messages.</summary>
    public string? Location { get; init; }

    /// <summary>The input row it was made from (a JSON object), carried into its record; null for URL and spec lines.</summary>
    public string? Input { get; init; }
}
