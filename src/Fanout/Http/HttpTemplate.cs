using System.Globalization;
using System.Text;
using System.Text.Json;
using Fanout.Records;
using Fanout.Web;

namespace Fanout.Http;

/// <summary>
/// Requests made from data rows (<c>--url 'https://api.test/users/{id}'</c>): each input line is a row, a JSON object
/// (JSONL) or a CSV record under the header that is its file's first line, and <c>{field}</c> in the URL, the key, the
/// headers and the body is that row's field: percent-encoded in the URL, JSON-escaped in a JSON body, as it is in
/// headers (which still may not hold a line break). A field the row lacks is an error of that line. The row goes into
/// the result record as <c>input</c>, so results join back to the data.
/// </summary>
public sealed class HttpTemplate
{
    private readonly Dictionary<string, string[]> _csvHeaders = new(StringComparer.Ordinal);

    /// <summary>Makes a template.</summary>
    /// <param name="url">The URL, with <c>{field}</c> placeholders.</param>
    public HttpTemplate(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        Url = url;
    }

    /// <summary>The URL template.</summary>
    public string Url { get; }

    /// <summary>The key template (<c>--key '{id}'</c>); the URL when null.</summary>
    public string? Key { get; init; }

    /// <summary>The body template (<c>-d</c>); its placeholders are JSON-escaped when it is JSON.</summary>
    public string? Body { get; init; }

    /// <summary>Whether a text holds a <c>{field}</c> placeholder.</summary>
    /// <param name="text">The text.</param>
    /// <returns>Whether it does.</returns>
    public static bool HasPlaceholder(string text) => FieldTemplate.HasPlaceholder(text);

    /// <summary>Makes the request of one row; null for a CSV header line.</summary>
    internal HttpItem? Parse(InputLine line, HttpOptions options)
    {
        Dictionary<string, string?> fields;
        string input;
        if (line.Text.StartsWith('{'))
        {
            (fields, input) = JsonRow(line.Text);
        }
        else
        {
            var cells = SplitCsv(line.Text);
            if (!_csvHeaders.TryGetValue(line.Source, out var header))
            {
                if (cells.Any(c => c.Length == 0) || cells.Distinct(StringComparer.Ordinal).Count() != cells.Count)
                {
                    throw new FormatException("the CSV header (the file's first line) needs a name for every column, each once");
                }

                _csvHeaders[line.Source] = [.. cells];
                return null;
            }

            if (cells.Count != header.Length)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{cells.Count} fields, the header has {header.Length} ({string.Join(",", header)})"));
            }

            fields = header.Zip(cells).ToDictionary(p => p.First, p => (string?)p.Second, StringComparer.Ordinal);
            input = RowJson(header, cells);
        }

        var url = WebUrl.Parse(Fill(Url, fields, Uri.EscapeDataString));
        var headers = new List<RequestHeader>();
        foreach (var header in options.Headers)
        {
            // A header from an environment variable (a secret) is never a template: a token may hold braces.
            if (!header.Secret && HasPlaceholder(header.Value))
            {
                // The row's text as it is (a '$' in it is text, not a variable), but never a line break: it would split the request.
                var value = Fill(header.Value, fields, v => v);
                if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
                {
                    throw new FormatException($"header {header.Name}: the row's value contains a line break (CR or LF) or NUL, which would split the request");
                }

                headers.Add(new RequestHeader(header.Name, value));
            }
        }

        var body = Body is null ? null
            : Fill(Body, fields, Body.TrimStart().StartsWith('{') || Body.TrimStart().StartsWith('[') ? JsonEscape : v => v);
        return new HttpItem(options.Method, url)
        {
            Key = Key is null ? null : Fill(Key, fields, v => v),
            Headers = headers,
            Body = body,
            Location = line.Location,
            Input = input,
        };
    }

    private static string Fill(string template, Dictionary<string, string?> fields, Func<string, string> escape) =>
        FieldTemplate.Fill(template, name => fields.TryGetValue(name, out var value)
            ? escape(value ?? string.Empty)
            : throw new FormatException($"the row has no field '{name}' (it has {string.Join(", ", fields.Keys)})"));

    private static (Dictionary<string, string?> Fields, string Input) JsonRow(string text)
    {
        using var document = JsonSpec.ParseObject(text, "row");
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            fields[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Null => null,
                _ => property.Value.GetRawText(),
            };
        }

        return (fields, document.RootElement.GetRawText());
    }

    private static string RowJson(string[] header, IReadOnlyList<string> cells)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            for (var i = 0; i < header.Length; i++)
            {
                json.WriteString(header[i], cells[i]);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string JsonEscape(string value)
    {
        var quoted = JsonSerializer.Serialize(value, HttpJson.Default.String);
        return quoted[1..^1];
    }

    /// <summary>One CSV line (RFC 4180 quoting, as insert reads CSV); a quoted field that runs past the line is an error.</summary>
    private static List<string> SplitCsv(string line)
    {
        var cells = CsvScanner.SplitLine(line, (byte)',', out var unclosed);
        return unclosed ? throw new FormatException("a quoted field runs past the end of the line (fields with line breaks are not supported)") : cells;
    }
}

/// <summary>Source-generated JSON for the http job (trimming-safe).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class HttpJson : System.Text.Json.Serialization.JsonSerializerContext;
