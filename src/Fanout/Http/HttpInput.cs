using System.Text.Json;
using Fanout.Records;
using Fanout.Web;

namespace Fanout.Http;

/// <summary>
/// Turns input lines into requests: a plain URL per line, or a JSONL spec
/// <c>{"method","url","headers","body","key"}</c>. A bad line raises <see cref="InputFormatException"/> with its location.
/// </summary>
internal static class HttpInput
{
    public static HttpItem? Parse(InputLine line, HttpOptions options, Func<string, string?> environment)
    {
        try
        {
            return options.Template is { } template ? template.Parse(line, options)
                : line.Text.StartsWith('{') ? ParseSpec(line, options, environment)
                : ParseUrlLine(line, options);
        }
        catch (FormatException ex)
        {
            throw new InputFormatException(line.Location, ex.Message);
        }
    }

    private static HttpItem ParseUrlLine(InputLine line, HttpOptions options)
    {
        if (line.Text.AsSpan().IndexOfAny(' ', '\t') >= 0)
        {
            throw new FormatException($"'{line.Text}' is not a URL (it contains whitespace)");
        }

        return new HttpItem(options.Method, WebUrl.Parse(line.Text)) { Location = line.Location };
    }

    private static HttpItem ParseSpec(InputLine line, HttpOptions options, Func<string, string?> environment)
    {
        using var document = JsonSpec.ParseObject(line.Text, "request");
        var root = document.RootElement;
        var url = WebUrl.Parse(JsonSpec.RequiredString(root, "url"));
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

        return new HttpItem(method, url)
        {
            Key = JsonSpec.String(root, "key"),
            Headers = HeaderSpec.FromJson(root, environment),
            Body = body,
            Location = line.Location,
        };
    }
}
