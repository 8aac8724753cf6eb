namespace Fanout.Web;

/// <summary>
/// A header to send with every request (<c>-H</c>) or with one (a JSONL spec's <c>headers</c>). A secret header is
/// never sent to another origin on a redirect (unless the redirects are trusted): Authorization, Proxy-Authorization,
/// Cookie, and any header whose value came from an environment variable (a token, by construction).
/// </summary>
/// <param name="Name">The header's name.</param>
/// <param name="Value">Its value, environment variables expanded; never contains CR, LF or NUL.</param>
/// <param name="Secret">Whether it is a credential.</param>
public sealed record RequestHeader(string Name, string Value, bool Secret = false)
{
    private static readonly HashSet<string> CredentialNames = new(StringComparer.OrdinalIgnoreCase) { "Authorization", "Proxy-Authorization", "Cookie" };

    /// <summary>Whether a header of this name carries credentials whatever its value.</summary>
    /// <param name="name">The header's name.</param>
    /// <returns>Whether it does.</returns>
    public static bool IsCredential(string name) => CredentialNames.Contains(name);

    /// <summary>Hides the value: a header is often a credential, and records and logs are read by others.</summary>
    /// <returns>The name only.</returns>
    public override string ToString() => $"{Name}: ***";
}
