namespace Fanout.Http;

/// <summary>What a request got back. Present on failures too whenever a response arrived.</summary>
public sealed record HttpResult
{
    /// <summary>The status code of the final response (after redirects).</summary>
    public required int StatusCode { get; init; }

    /// <summary>The HTTP version used, for example <c>1.1</c> or <c>2.0</c>.</summary>
    public required string HttpVersion { get; init; }

    /// <summary>The response's media type, if any.</summary>
    public string? ContentType { get; init; }

    /// <summary>Body bytes received (after decompression).</summary>
    public long Bytes { get; init; }

    /// <summary>The body as minified JSON (when <see cref="BodyIsJson"/>) or text; <see langword="null"/> when left out.</summary>
    public string? Body { get; init; }

    /// <summary>Whether <see cref="Body"/> is JSON to embed as is.</summary>
    public bool BodyIsJson { get; init; }

    /// <summary>The file the body was saved to, if bodies are saved.</summary>
    public string? SavedTo { get; init; }

    /// <summary>The values of <see cref="HttpOptions.Extract"/>, as JSON (null when the path found nothing).</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Extracted { get; init; } = [];
}
