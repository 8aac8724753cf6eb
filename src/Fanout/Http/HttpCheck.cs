using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fanout.Records;

namespace Fanout.Http;

/// <summary>
/// One expectation on every response (<c>--expect</c>): <c>status=200</c>, <c>status=2xx</c>, <c>status=200,201</c>,
/// <c>status!=500</c>; <c>json:.data.id</c> (exists), <c>json:.count&gt;0</c>, <c>json:.state=done</c>,
/// <c>json:.name~^a</c> (operators <c>= != &gt; &gt;= &lt; &lt;= ~</c>); <c>header:content-type~json</c>,
/// <c>header:etag</c> (exists); <c>body~regex</c>; <c>latency&lt;300ms</c>. A response that fails one fails its item
/// with error kind <c>assertion</c> (never retried) and a message saying what was expected and what was seen.
/// </summary>
public sealed class HttpCheck
{
    /// <summary>Error kind of a failed expectation.</summary>
    public const string AssertionKind = "assertion";

    private static readonly string[] Operators = [">=", "<=", "!=", "=", ">", "<", "~"];
    private static readonly TimeSpan RegexLimit = TimeSpan.FromSeconds(1);
    private readonly Func<HttpCheckInput, string?> _check;

    private HttpCheck(string text, bool isStatus, Func<HttpCheckInput, string?> check, bool needsHeaders = false)
    {
        Text = text;
        IsStatus = isStatus;
        NeedsHeaders = needsHeaders;
        _check = check;
    }

    /// <summary>The expectation as written.</summary>
    public string Text { get; }

    /// <summary>Whether it is about the status (then the status alone does not fail an item: the check decides).</summary>
    public bool IsStatus { get; }

    /// <summary>Whether it reads response headers (kept only then).</summary>
    public bool NeedsHeaders { get; }

    /// <summary>Reads an expectation.</summary>
    /// <param name="text">The expectation, e.g. <c>status=2xx</c>.</param>
    /// <returns>The check.</returns>
    /// <exception cref="FormatException">It is not one of the forms.</exception>
    public static HttpCheck Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.StartsWith("status", StringComparison.Ordinal))
        {
            var (op, value) = SplitOperator(trimmed["status".Length..], trimmed, "status=2xx");
            if (op is not ("=" or "!="))
            {
                throw new FormatException($"'{text}': status takes = or != (status=200, status=2xx, status=200,201)");
            }

            var accepted = value.Split(',', StringSplitOptions.TrimEntries).Select(v => StatusMatcher(v, text)).ToList();
            var negate = op == "!=";
            return new HttpCheck(trimmed, isStatus: true, input => accepted.Any(a => a(input.Status)) != negate ? null : $"expected {trimmed}, got {input.Status}");
        }

        if (trimmed.StartsWith("latency", StringComparison.Ordinal))
        {
            var (op, value) = SplitOperator(trimmed["latency".Length..], trimmed, "latency<300ms");
            // A bare number is milliseconds here.
            var limit = Engine.DurationFormat.Milliseconds(value, bare: 1.0) ?? throw new FormatException($"'{text}': '{value}' is not a duration (300ms, 1.5s)");
            return new HttpCheck(trimmed, isStatus: false, input => Engine.Comparison.Holds(input.Latency.TotalMilliseconds, op, limit) ? null
                : string.Create(CultureInfo.InvariantCulture, $"expected {trimmed}, took {input.Latency.TotalMilliseconds:0.#} ms"));
        }

        if (trimmed.StartsWith("body", StringComparison.Ordinal))
        {
            var (op, value) = SplitOperator(trimmed["body".Length..], trimmed, "body~ok");
            if (op != "~")
            {
                throw new FormatException($"'{text}': body takes ~ and a regular expression (body~\"ok\":true)");
            }

            var regex = Pattern(value, text);
            return new HttpCheck(trimmed, isStatus: false, input => input.Body is { } body && regex.IsMatch(body) ? null : $"expected {trimmed}, the body {(input.Body is null ? "was empty or not text" : "did not match")}");
        }

        if (trimmed.StartsWith("header:", StringComparison.Ordinal))
        {
            var rest = trimmed["header:".Length..];
            var at = OperatorAt(rest);
            var name = (at < 0 ? rest : rest[..at]).Trim();
            if (name.Length == 0)
            {
                throw new FormatException($"'{text}': give a header name (header:content-type~json)");
            }

            if (at < 0)
            {
                return new HttpCheck(trimmed, isStatus: false, input => input.Header(name) is not null ? null : $"expected header {name}, it was not sent", needsHeaders: true);
            }

            var (op, value) = SplitOperator(rest[at..], trimmed, "header:content-type~json");
            var match = Matcher(op, value, text);
            return new HttpCheck(trimmed, isStatus: false, input => input.Header(name) is { } seen && match(seen, null) ? null
                : $"expected {trimmed}, got {(input.Header(name) is { } got ? $"'{got}'" : "no such header")}", needsHeaders: true);
        }

        if (trimmed.StartsWith("json:", StringComparison.Ordinal))
        {
            var rest = trimmed["json:".Length..];
            var at = OperatorAt(rest);
            var path = JsonPath.Split((at < 0 ? rest : rest[..at]).Trim(), ".data.id");
            if (at < 0)
            {
                return new HttpCheck(trimmed, isStatus: false, input => input.Json(path) is { Count: > 0 } ? null
                    : $"expected {trimmed}, {(input.HasJson ? "not found" : "the body is not JSON")}");
            }

            var (op, value) = SplitOperator(rest[at..], trimmed, "json:.count>0");
            var match = Matcher(op, value, text);
            return new HttpCheck(trimmed, isStatus: false, input =>
            {
                var found = input.Json(path);
                if (found is not { Count: > 0 })
                {
                    return $"expected {trimmed}, {(input.HasJson ? "not found" : "the body is not JSON")}";
                }

                // Every value found must meet it (a path through [] finds many).
                var failing = found.FirstOrDefault(f => !match(ValueText(f), f.ValueKind == JsonValueKind.Number ? f.GetDouble() : null));
                return failing.ValueKind == JsonValueKind.Undefined ? null : $"expected {trimmed}, got {Shorten(failing.GetRawText())}";
            });
        }

        throw new FormatException($"'{text}' is not an expectation (status=2xx, json:.data.id, json:.count>0, header:content-type~json, body~regex, latency<300ms)");
    }

    /// <summary>Checks a response; null when it meets the expectation, else what was expected and seen.</summary>
    internal string? Check(HttpCheckInput input) => _check(input);

    private static Func<int, bool> StatusMatcher(string value, string text)
    {
        if (value.Length == 3 && value[0] is >= '1' and <= '5' && value.EndsWith("xx", StringComparison.OrdinalIgnoreCase))
        {
            var hundreds = value[0] - '0';
            return status => status / 100 == hundreds;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 100 and <= 599
            ? status => status == code
            : throw new FormatException($"'{text}': '{value}' is not a status (200, 2xx)");
    }

    private static Func<string?, double?, bool> Matcher(string op, string value, string text)
    {
        if (op == "~")
        {
            var regex = Pattern(value, text);
            return (seen, _) => seen is not null && regex.IsMatch(seen);
        }

        var isNumber = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number);
        return op switch
        {
            "=" => (seen, n) => isNumber && n is { } x ? x == number : seen == value,
            "!=" => (seen, n) => isNumber && n is { } x ? x != number : seen != value,
            _ when !isNumber => throw new FormatException($"'{text}': {op} compares numbers, and '{value}' is not one"),
            _ => (_, n) => n is { } x && Engine.Comparison.Holds(x, op, number),
        };
    }

    private static int OperatorAt(string text) => text.IndexOfAny(['=', '!', '>', '<', '~']);

    private static (string Op, string Value) SplitOperator(string rest, string text, string example)
    {
        rest = rest.TrimStart();
        foreach (var op in Operators)
        {
            if (rest.StartsWith(op, StringComparison.Ordinal))
            {
                var value = rest[op.Length..].Trim();
                return value.Length > 0 ? (op, value) : throw new FormatException($"'{text}': nothing after {op} (example: {example})");
            }
        }

        throw new FormatException($"'{text}' has no operator (example: {example})");
    }

    private static Regex Pattern(string value, string text)
    {
        try
        {
            return new Regex(value, RegexOptions.CultureInvariant, RegexLimit);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"'{text}': not a regular expression: {ex.Message}");
        }
    }

    private static string? ValueText(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Null => null,
        _ => element.GetRawText(),
    };

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}

/// <summary>What a check looks at: the response's status, headers, body and time.</summary>
internal sealed class HttpCheckInput(int status, IReadOnlyDictionary<string, string>? headers, string? body, TimeSpan latency) : IDisposable
{
    private JsonDocument? _json;
    private bool _parsed;

    public int Status { get; } = status;

    public string? Body { get; } = body;

    public TimeSpan Latency { get; } = latency;

    public bool HasJson => Document() is not null;

    public string? Header(string name) => headers is not null && headers.TryGetValue(name, out var value) ? value : null;

    public List<JsonElement>? Json(string[] path) => Document() is { } document ? JsonPath.Find(document.RootElement, path) : null;

    public void Dispose() => _json?.Dispose();

    private JsonDocument? Document()
    {
        if (!_parsed)
        {
            _parsed = true;
            try
            {
                _json = Body is null ? null : JsonDocument.Parse(Body);
            }
            catch (JsonException)
            {
                _json = null;
            }
        }

        return _json;
    }
}

/// <summary>A value taken out of each JSON response into its record (<c>--extract name=.data.id</c>).</summary>
public sealed class HttpExtract
{
    private HttpExtract(string name, string[] path)
    {
        Name = name;
        Path = path;
    }

    /// <summary>The record field it goes to.</summary>
    public string Name { get; }

    internal string[] Path { get; }

    /// <summary>Reads <c>name=path</c>.</summary>
    /// <param name="text">The extraction.</param>
    /// <returns>It.</returns>
    /// <exception cref="FormatException">Not <c>name=path</c>.</exception>
    public static HttpExtract Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var name = equals > 0 ? text[..equals].Trim() : string.Empty;
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new FormatException($"'{text}' is not NAME=PATH (example: id=.data.id; NAME of letters, digits, _)");
        }

        return new HttpExtract(name, JsonPath.Split(text[(equals + 1)..].Trim(), "id=.data.id"));
    }

    /// <summary>The value as JSON: the one value found, an array when the path went through [], null when none.</summary>
    internal string? Take(HttpCheckInput input)
    {
        var found = input.Json(Path);
        if (found is not { Count: > 0 })
        {
            return null;
        }

        return found.Count == 1 && !Path.Any(p => p.EndsWith("[]", StringComparison.Ordinal))
            ? found[0].GetRawText()
            : "[" + string.Join(',', found.Select(f => f.GetRawText())) + "]";
    }
}
