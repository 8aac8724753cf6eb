using System.Text.Json;

namespace Fanout.Downloads;

/// <summary>
/// Picks links out of a JSON document with a small path syntax (<c>data[].images[].link</c>: dotted
/// keys, <c>[]</c> to step into every element of an array) and filters on fields beside each link
/// (<c>type in image/jpeg,image/png</c>, <c>nsfw=false</c>, <c>type!=video/mp4</c>).
/// </summary>
internal static class JsonLinks
{
    /// <summary>The string values at <paramref name="path"/> whose sibling fields satisfy every condition.</summary>
    /// <param name="root">The document.</param>
    /// <param name="path">Dotted keys; a key ending in <c>[]</c> is an array to step through.</param>
    /// <param name="conditions">Filters on fields of the object holding each link; all must hold.</param>
    /// <returns>The links, in document order.</returns>
    /// <exception cref="FormatException">The path or a condition is malformed.</exception>
    public static IReadOnlyList<string> Select(JsonElement root, string path, IReadOnlyList<string> conditions)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(conditions);
        var segments = path.Split('.');
        if (segments.Any(s => s.Length == 0 || s == "[]"))
        {
            throw new FormatException($"'{path}' is not a link path (example: data[].link)");
        }

        var filters = conditions.Select(ParseCondition).ToList();
        var links = new List<string>();
        Walk(root, segments, 0, null, filters, links);
        return links;
    }

    private static void Walk(JsonElement element, string[] segments, int index, JsonElement? holder, List<Func<JsonElement, bool>> filters, List<string> links)
    {
        if (index == segments.Length)
        {
            if (element.ValueKind == JsonValueKind.String && (holder is null || filters.All(f => f(holder.Value))))
            {
                links.Add(element.GetString()!);
            }

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
            Walk(child, segments, index + 1, element, filters, links);
        }
        else if (child.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in child.EnumerateArray())
            {
                Walk(item, segments, index + 1, element, filters, links);
            }
        }
    }

    private static Func<JsonElement, bool> ParseCondition(string condition)
    {
        var inAt = condition.IndexOf(" in ", StringComparison.Ordinal);
        if (inAt > 0)
        {
            var field = condition[..inAt].Trim();
            var values = condition[(inAt + 4)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            return holder => Field(holder, field) is { } v && values.Contains(v);
        }

        var notAt = condition.IndexOf("!=", StringComparison.Ordinal);
        if (notAt > 0)
        {
            var field = condition[..notAt].Trim();
            var value = condition[(notAt + 2)..].Trim();
            return holder => Field(holder, field) != value;
        }

        var equalsAt = condition.IndexOf('=', StringComparison.Ordinal);
        if (equalsAt > 0)
        {
            var field = condition[..equalsAt].Trim();
            var value = condition[(equalsAt + 1)..].Trim();
            return holder => Field(holder, field) == value;
        }

        throw new FormatException($"'{condition}' is not a condition (examples: 'type in image/jpeg,image/png', 'nsfw=false', 'type!=video/mp4')");
    }

    /// <summary>A sibling field as text: strings as they are, numbers and booleans as JSON writes them.</summary>
    private static string? Field(JsonElement holder, string name) =>
        holder.ValueKind != JsonValueKind.Object || !holder.TryGetProperty(name, out var value) ? null
        : value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,
            _ => value.GetRawText(),
        };
}
