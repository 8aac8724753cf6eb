using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Fanout.Files;

/// <summary>
/// <c>read --extract</c>: the named groups of each matching line as a JSON object, with <c>path</c> and <c>line</c>:
/// a group's text is written as a number when it is one (integers within 64 bits, decimals), as true/false when it is
/// one, else as text; a group that did not take part is null. Ready for <c>fanout insert</c>.
/// </summary>
internal static class ExtractedRows
{
    /// <summary>The names a pattern's groups may not take: the fields every row has.</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal) { "path", "line" };

    public static IReadOnlyList<string> Of(Regex pattern, string path, IReadOnlyList<FileMatch> lines)
    {
        var names = pattern.GetGroupNames().Where(n => !int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out _)).ToArray();
        var rows = new List<string>(lines.Count);
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var line in lines)
        {
            var match = pattern.Match(line.Text);
            if (!match.Success)
            {
                continue;
            }

            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteStartObject();
                json.WriteString("path", path);
                json.WriteNumber("line", line.LineNumber);
                foreach (var name in names)
                {
                    var group = match.Groups[name];
                    if (!group.Success)
                    {
                        json.WriteNull(name);
                    }
                    else if (IsInteger(group.Value) && long.TryParse(group.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                    {
                        json.WriteNumber(name, integer);
                    }
                    else if (IsDecimal(group.Value) && double.TryParse(group.Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
                    {
                        json.WriteNumber(name, number);
                    }
                    else if (group.Value is "true" or "false")
                    {
                        json.WriteBoolean(name, group.Value == "true");
                    }
                    else
                    {
                        json.WriteString(name, group.Value);
                    }
                }

                json.WriteEndObject();
            }

            rows.Add(Encoding.UTF8.GetString(buffer.WrittenSpan));
        }

        return rows;
    }

    /// <summary>Digits with an optional sign and no leading zero (an id like 007 stays text).</summary>
    private static bool IsInteger(string text)
    {
        var digits = text.StartsWith('-') ? text[1..] : text;
        return digits.Length is > 0 and <= 19 && digits.All(char.IsAsciiDigit) && (digits.Length == 1 || digits[0] != '0');
    }

    private static bool IsDecimal(string text)
    {
        var digits = text.StartsWith('-') ? text[1..] : text;
        var dot = digits.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && dot < digits.Length - 1 && digits.Remove(dot, 1).All(char.IsAsciiDigit) && (dot == 1 || digits[0] != '0');
    }
}
