using System.Text;

namespace Fanout.Web;

/// <summary>
/// Parses <c>Name: value</c> headers and expands <c>$VAR</c> / <c>${VAR}</c> from the environment, so a
/// token lives in the environment and never in a file or a shell history. Expanded values are never echoed.
/// </summary>
public static class HeaderSpec
{
    /// <summary>Parses one <c>Name: value</c> header, expanding environment variables in the value.</summary>
    /// <param name="text">The header text.</param>
    /// <param name="environment">Looks up a variable; <see langword="null"/> when unset.</param>
    /// <returns>The header, its value expanded; secret when a variable went into it or it is a credential by name.</returns>
    /// <exception cref="FormatException">Not of the form <c>Name: value</c>, a variable is unset, or the value (expanded) holds CR, LF or NUL.</exception>
    public static RequestHeader Parse(string text, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = colon > 0 ? text[..colon].Trim() : string.Empty;
        if (name.Length == 0 || !IsToken(name))
        {
            throw new FormatException($"'{Truncate(text)}' is not a header: expected 'Name: value'");
        }

        var raw = text[(colon + 1)..].Trim();
        var value = ExpandEnvironment(raw, environment);

        // A line break would end the header and start another (or a second request: smuggling); NUL cuts it short.
        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            throw new FormatException($"header {name}: its value{(value != raw ? ", with the environment variables in it," : string.Empty)} contains a line break (CR or LF) or NUL, which would split the request");
        }

        return new RequestHeader(name, value, Secret: value != raw || RequestHeader.IsCredential(name));
    }

    /// <summary>Replaces <c>$NAME</c> and <c>${NAME}</c> with environment values; <c>$$</c> is a literal <c>$</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="environment">Looks up a variable; <see langword="null"/> when unset.</param>
    /// <returns>The expanded text.</returns>
    /// <exception cref="FormatException">A variable is unset, or <c>${</c> is not closed.</exception>
    public static string ExpandEnvironment(string text, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(environment);
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '$' || i + 1 >= text.Length)
            {
                result.Append(c);
                continue;
            }

            if (text[i + 1] == '$')
            {
                result.Append('$');
                i++;
                continue;
            }

            string name;
            if (text[i + 1] == '{')
            {
                var close = text.IndexOf('}', i + 2);
                if (close < 0)
                {
                    throw new FormatException("'${' without a closing '}'");
                }

                name = text[(i + 2)..close];
                i = close;
            }
            else
            {
                var end = i + 1;
                while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_'))
                {
                    end++;
                }

                if (end == i + 1)
                {
                    result.Append(c);
                    continue;
                }

                name = text[(i + 1)..end];
                i = end - 1;
            }

            // Name the variable, never its value: the value is usually a secret.
            result.Append(environment(name) ?? throw new FormatException($"environment variable {name} is not set"));
        }

        return result.ToString();
    }

    /// <summary>The <c>"headers": {"Name": "value"}</c> object of a JSONL spec, expanded like <c>-H</c>.</summary>
    /// <param name="spec">The spec object.</param>
    /// <param name="environment">Looks up a variable; <see langword="null"/> when unset.</param>
    /// <returns>The headers; none when the field is missing or null.</returns>
    /// <exception cref="FormatException">The field is not an object of strings, or a variable is unset.</exception>
    public static IReadOnlyList<RequestHeader> FromJson(System.Text.Json.JsonElement spec, Func<string, string?> environment)
    {
        var headers = new List<RequestHeader>();
        if (!spec.TryGetProperty("headers", out var headerObject) || headerObject.ValueKind == System.Text.Json.JsonValueKind.Null)
        {
            return headers;
        }

        if (headerObject.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            throw new FormatException("\"headers\" must be an object of name: value");
        }

        foreach (var header in headerObject.EnumerateObject())
        {
            if (header.Value.ValueKind != System.Text.Json.JsonValueKind.String)
            {
                throw new FormatException($"header \"{header.Name}\" must be a string");
            }

            headers.Add(Parse($"{header.Name}: {header.Value.GetString()}", environment));
        }

        return headers;
    }

    private static bool IsToken(string name)
    {
        foreach (var c in name)
        {
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
