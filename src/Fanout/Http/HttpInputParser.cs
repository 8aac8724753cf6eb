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
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.Text);
        }
        catch (JsonException ex)
        {
            throw new FormatException(JsonErrors.Describe(ex));
        }

        using (document)
        {
            var root = document.RootElement;
            var url = ParseUrl(RequiredString(root, "url"));
            var method = OptionalString(root, "method")?.ToUpperInvariant() ?? options.Method;
            if (method.Length == 0 || !method.All(char.IsAsciiLetter))
            {
                throw new FormatException($"'{method}' is not an HTTP method");
            }

            var headers = new List<KeyValuePair<string, string>>();
            if (root.TryGetProperty("headers", out var headerObject) && headerObject.ValueKind != JsonValueKind.Null)
            {
                if (headerObject.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException("\"headers\" must be an object of name: value");
                }

                foreach (var header in headerObject.EnumerateObject())
                {
                    if (header.Value.ValueKind != JsonValueKind.String)
                    {
                        throw new FormatException($"header \"{header.Name}\" must be a string");
                    }

                    headers.Add(HeaderSpec.Parse($"{header.Name}: {header.Value.GetString()}", environment));
                }
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
                Key = OptionalString(root, "key"),
                Headers = headers,
                Body = body,
                Location = line.Location,
            };
        }
    }

    private static string RequiredString(JsonElement root, string name) =>
        OptionalString(root, name) ?? throw new FormatException($"missing \"{name}\"");

    private static string? OptionalString(JsonElement root, string name)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a JSONL request must be an object");
        }

        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new FormatException($"\"{name}\" must be a string");
    }
}
