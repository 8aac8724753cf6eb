using System.Text.Json;
using Fanout.Records;

namespace Fanout.Http;

/// <summary>
/// Turns input lines into requests: a plain URL per line, or a JSONL spec
/// <c>{"method","url","headers","body","key"}</c>. A bad line raises <see cref="InputFormatException"/> with its location.
/// </summary>
internal static class HttpInputParser
{
    public static HttpRequestItem Parse(InputLine line, HttpJobOptions options, Func<string, string?> environment)
    {
        try
        {
            return line.Text.StartsWith('{') ? ParseSpec(line, options, environment) : ParseUrlLine(line, options);
        }
        catch (FormatException ex)
        {
            throw new InputFormatException(line.Location, ex.Message);
        }
    }

    /// <summary>Checks a URL is absolute http(s); the error names what is wrong in the user's terms.</summary>
    public static Uri ParseUrl(string text)
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

    private static HttpRequestItem ParseUrlLine(InputLine line, HttpJobOptions options)
    {
        if (line.Text.AsSpan().IndexOfAny(' ', '\t') >= 0)
        {
            throw new FormatException($"'{line.Text}' is not a URL (it contains whitespace)");
        }

        return new HttpRequestItem(options.Method, ParseUrl(line.Text)) { Location = line.Location };
    }

    private static HttpRequestItem ParseSpec(InputLine line, HttpJobOptions options, Func<string, string?> environment)
    {
        using var document = JsonSpec.ParseObject(line.Text, "request");
        var root = document.RootElement;
        var url = ParseUrl(JsonSpec.RequiredString(root, "url"));
        var method = JsonSpec.String(root, "method")?.ToUpperInvariant() ?? options.Method;
        if (method.Length == 0 || !method.All(char.IsAsciiLetter))
        {
            throw new FormatException($"'{method}' is not an HTTP method");
        }

        string? body = null;
        if (root.TryGetProperty("body", out var bodyElement))
        {
            body = bodyElement.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => bodyElement.GetString(),
                // An object or array body is sent as the JSON it is.
                _ => bodyElement.GetRawText(),
            };
        }

        return new HttpRequestItem(method, url)
        {
            Key = JsonSpec.String(root, "key"),
            Headers = HeaderSpec.FromJson(root, environment),
            Body = body,
            Location = line.Location,
        };
    }
}
