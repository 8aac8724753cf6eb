using System.Text.Json;

namespace Fanout.Records;

/// <summary>
/// The small JSON path syntax every job shares (<c>download --links</c>, <c>http --extract</c> and <c>--expect
/// json:</c>): dotted keys, a key ending in <c>[]</c> steps into every element of that array; a leading dot is allowed
/// (<c>.data.id</c> is <c>data.id</c>).
/// </summary>
internal static class JsonPath
{
    /// <summary>The path's segments; throws <see cref="FormatException"/> for an empty segment.</summary>
    public static string[] Split(string path, string example)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.TrimStart('.').Split('.');
        return segments.Any(s => s.Length == 0 || s == "[]")
            ? throw new FormatException($"'{path}' is not a JSON path (example: {example})")
            : segments;
    }

    /// <summary>The values at the path, in document order.</summary>
    public static List<JsonElement> Find(JsonElement root, string[] segments)
    {
        var found = new List<(JsonElement Value, JsonElement? Holder)>();
        Walk(root, segments, 0, null, found);
        return [.. found.Select(f => f.Value)];
    }

    /// <summary>Every value at the path, with the object holding it, in document order.</summary>
    public static void Walk(JsonElement element, string[] segments, int index, JsonElement? holder, List<(JsonElement Value, JsonElement? Holder)> found)
    {
        if (index == segments.Length)
        {
            found.Add((element, holder));
            return;
        }

        var segment = segments[index];
        var isArray = segment.EndsWith("[]", StringComparison.Ordinal);
        var key = isArray ? segment[..^2] : segment;
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out var child))
        {
            return;
        }

        if (!isArray)
        {
            Walk(child, segments, index + 1, element, found);
        }
        else if (child.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in child.EnumerateArray())
            {
                Walk(item, segments, index + 1, element, found);
            }
        }
    }
}
