using System.Text.Json;

namespace Fanout.Records;

/// <summary>The JSONL form of an input line (a request, a download, a command): one object, its fields read with errors in the user's terms.</summary>
internal static class JsonSpec
{
    /// <summary>Parses the line as one JSON object; a <see cref="FormatException"/> says what is wrong.</summary>
    public static JsonDocument ParseObject(string text, string what)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new FormatException(JsonErrors.Describe(ex));
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new FormatException($"a JSONL {what} must be an object");
        }

        return document;
    }

    /// <summary>A string field, or <see langword="null"/> when missing or null; any other kind is a <see cref="FormatException"/>.</summary>
    public static string? String(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw new FormatException($"\"{name}\" must be a string");

    /// <summary>A string field that must be there.</summary>
    public static string RequiredString(JsonElement root, string name) =>
        String(root, name) ?? throw new FormatException($"missing \"{name}\"");
}
