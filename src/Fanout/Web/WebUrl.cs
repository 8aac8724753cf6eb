namespace Fanout.Web;

/// <summary>URLs from input lines and options, checked in the user's terms.</summary>
internal static class WebUrl
{
    /// <summary>Checks a URL is absolute http(s) with a host.</summary>
    /// <exception cref="FormatException">What is wrong with it.</exception>
    public static Uri Parse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.IsFile)
        {
            throw new FormatException($"'{text}' is not an absolute URL");
        }

        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            throw new FormatException($"'{text}' is not an http or https URL");
        }

        if (string.IsNullOrEmpty(url.Host))
        {
            throw new FormatException($"'{text}' has no host");
        }

        return url;
    }
}
