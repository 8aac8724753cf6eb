using System.Text.RegularExpressions;

namespace Fanout.Records;

/// <summary>
/// Text with <c>{field}</c> placeholders filled from a record (http's URL, key, header and body templates, download's
/// <c>--name</c>): a name is a letter or <c>_</c>, then letters, digits, <c>_</c>, <c>.</c> or <c>-</c>. Each caller
/// says what a value becomes (escaped, sanitised) and what a missing field is.
/// </summary>
internal static partial class FieldTemplate
{
    /// <summary>Whether <paramref name="text"/> holds a placeholder.</summary>
    /// <param name="text">The text.</param>
    /// <returns><see langword="true"/> when it has one.</returns>
    public static bool HasPlaceholder(string? text) => Placeholder().IsMatch(text ?? string.Empty);

    /// <summary>The template with each placeholder replaced by <paramref name="value"/> of its name.</summary>
    /// <param name="template">The text.</param>
    /// <param name="value">A field's text by its name (throws for a missing one, in the caller's words).</param>
    /// <returns>The filled text.</returns>
    public static string Fill(string template, Func<string, string> value) =>
        Placeholder().Replace(template, match => value(match.Groups[1].Value));

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_.-]*)\}")]
    private static partial Regex Placeholder();
}
