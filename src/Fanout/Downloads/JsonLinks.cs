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
    public static IReadOnlyList<string> Select(JsonElement root, string path, IReadOnlyList<string> conditions) =>
        [.. SelectEntries(root, path, conditions).Select(e => e.Link)];

    /// <summary>As <see cref="Select"/>, with the object holding each link (its listing entry, for names and metadata).</summary>
    public static IReadOnlyList<(string Link, JsonElement? Entry)> SelectEntries(JsonElement root, string path, IReadOnlyList<string> conditions)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(conditions);
        var segments = path.Split('.');
        if (segments.Any(s => s.Length == 0 || s == "[]"))
        {
            throw new FormatException($"'{path}' is not a link path (example: data[].link)");
        }

        var filters = conditions.Select(ParseCondition).ToList();
        var found = new List<(JsonElement Value, JsonElement? Holder)>();
        Records.JsonPath.Walk(root, segments, 0, null, found);
        return [.. found
            .Where(f => f.Value.ValueKind == JsonValueKind.String && (f.Holder is not { } holder || filters.All(keep => keep(holder))))
            .Select(f => (f.Value.GetString()!, f.Holder))];
    }

    /// <summary>
    /// Why <paramref name="path"/> selects no link from <paramref name="root"/>: the first segment that matched nothing
    /// and the fields there are, or, when links were found, that the conditions kept none of them and the fields beside them.
    /// </summary>
    /// <param name="root">The document.</param>
    /// <param name="path">The link path.</param>
    /// <param name="conditions">The conditions.</param>
    /// <returns>The explanation, one line; <see langword="null"/> when the listing is simply empty (an empty array on the way).</returns>
    public static string? ExplainNothing(JsonElement root, string path, IReadOnlyList<string> conditions)
    {
        var segments = path.Split('.');
        var level = new List<JsonElement> { root };
        for (var i = 0; i < segments.Length; i++)
        {
            var isArray = segments[i].EndsWith("[]", StringComparison.Ordinal);
            var key = isArray ? segments[i][..^2] : segments[i];
            var objects = level.Where(e => e.ValueKind == JsonValueKind.Object).ToList();
            var next = objects.Where(e => e.TryGetProperty(key, out _)).Select(e => e.GetProperty(key)).ToList();
            var matched = string.Join('.', segments.Take(i));
            if (next.Count == 0)
            {
                var fields = objects.SelectMany(e => e.EnumerateObject().Select(p => p.Name)).Distinct(StringComparer.Ordinal).Take(20).ToList();
                return fields.Count == 0
                    ? $"'{path}' selects nothing: {(i == 0 ? "the document" : $"'{matched}'")} is {Kinds(level)}, not an object with a field '{key}'"
                    : $"'{path}' selects nothing: no field '{key}' {(i == 0 ? "at the top" : $"under '{matched}'")}; the fields there are {string.Join(", ", fields)}";
            }

            if (isArray && next.All(e => e.ValueKind != JsonValueKind.Array))
            {
                return $"'{path}' selects nothing: '{string.Join('.', segments.Take(i + 1))}' is {Kinds(next)}, not an array (leave out the [])";
            }

            level = isArray ? [.. next.Where(e => e.ValueKind == JsonValueKind.Array).SelectMany(e => e.EnumerateArray())] : next;
            if (level.Count == 0)
            {
                return null;
            }
        }

        if (level.All(e => e.ValueKind != JsonValueKind.String))
        {
            return $"'{path}' selects {Kinds(level)}, not text links";
        }

        var links = Select(root, path, []).Count;
        var found = new List<(JsonElement Value, JsonElement? Holder)>();
        Records.JsonPath.Walk(root, segments, 0, null, found);
        var beside = found.Select(f => f.Holder).OfType<JsonElement>().Where(h => h.ValueKind == JsonValueKind.Object)
            .SelectMany(h => h.EnumerateObject().Select(p => p.Name)).Distinct(StringComparer.Ordinal).Take(20);
        return $"'{path}' finds {links} links, but no link meets {(conditions.Count == 1 ? $"the condition '{conditions[0]}'" : $"all of the conditions {string.Join(", ", conditions.Select(c => $"'{c}'"))}")}; the fields beside the links are {string.Join(", ", beside)}";
    }

    private static string Kinds(IEnumerable<JsonElement> elements) =>
        string.Join(" or ", elements.Select(e => e.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "text",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        }).Distinct(StringComparer.Ordinal).DefaultIfEmpty("nothing"));

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
