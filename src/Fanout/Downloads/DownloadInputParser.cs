using System.Text.Json;
using Fanout.Http;
using Fanout.Records;

namespace Fanout.Downloads;

/// <summary>Input lines: <c>URL</c>, <c>URL NAME</c>, or JSONL <c>{"url","path","sha256","headers"}</c>.</summary>
internal static class DownloadInputParser
{
    public static DownloadItem Parse(InputLine line, Func<string, string?> environment)
    {
        try
        {
            return line.Text.StartsWith('{') ? ParseSpec(line, environment) : ParseUrlLine(line);
        }
        catch (FormatException ex)
        {
            throw new InputFormatException(line.Location, ex.Message);
        }
    }

    private static DownloadItem ParseUrlLine(InputLine line)
    {
        var split = line.Text.AsSpan().IndexOfAny(' ', '\t');
        var url = split < 0 ? line.Text : line.Text[..split];
        var name = split < 0 ? null : line.Text[(split + 1)..].Trim();
        return new DownloadItem(HttpInputParser.ParseUrl(url)) { Name = string.IsNullOrEmpty(name) ? null : name, InputText = line.Text };
    }

    private static DownloadItem ParseSpec(InputLine line, Func<string, string?> environment)
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
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("a JSONL download must be an object");
            }

            var url = String(root, "url") ?? throw new FormatException("missing \"url\"");
            var sha256 = String(root, "sha256");
            if (sha256 is not null && (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigit)))
            {
                throw new FormatException($"\"sha256\" must be 64 hex digits (got '{sha256}')");
            }

            var headers = new List<KeyValuePair<string, string>>();
            if (root.TryGetProperty("headers", out var headerObject) && headerObject.ValueKind == JsonValueKind.Object)
            {
                foreach (var header in headerObject.EnumerateObject())
                {
                    headers.Add(HeaderSpec.Parse($"{header.Name}: {header.Value.GetString()}", environment));
                }
            }

            return new DownloadItem(HttpInputParser.ParseUrl(url))
            {
                Name = String(root, "path"),
                Sha256 = sha256,
                Headers = headers,
                InputText = line.Text,
            };
        }
    }

    private static string? String(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw new FormatException($"\"{name}\" must be a string");
}
