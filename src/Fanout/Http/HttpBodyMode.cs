namespace Fanout.Http;

/// <summary>How a response body appears in the result record.</summary>
public enum HttpBodyMode
{
    /// <summary>JSON bodies embedded as JSON, other text as a string, binary bodies left out.</summary>
    Auto,

    /// <summary>Always a string (invalid UTF-8 replaced).</summary>
    Text,

    /// <summary>Never; the body is still read, counted and checked against the size limit.</summary>
    None,
}
