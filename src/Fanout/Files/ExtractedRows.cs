using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fanout.Records;

namespace Fanout.Files;

/// <summary>
/// <c>read --extract</c>: the named groups of each matching line as a JSON object, with <c>path</c> and <c>line</c>:
/// a group's text is written as a number or a boolean when it is one (the rule of <see cref="Records.TextValue"/>, the
/// same as for CSV cells), else as text; a group that did not take part is null. Ready for <c>fanout insert</c>.
/// </summary>
internal static class ExtractedRows
{
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
            using (var json = new Utf8JsonWriter(buffer, JsonText.Readable))
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
                    else
                    {
                        switch (TextValue.Classify(group.ValueSpan, out var integer, out var number, out var boolean))
                        {
                            case TextValue.Kind.Integer:
                                json.WriteNumber(name, integer);
                                break;
                            case TextValue.Kind.Real:
                                json.WriteNumber(name, number);
                                break;
                            case TextValue.Kind.Boolean:
                                json.WriteBoolean(name, boolean);
                                break;
                            default:
                                json.WriteString(name, group.Value);
                                break;
                        }
                    }
                }

                json.WriteEndObject();
            }

            rows.Add(Encoding.UTF8.GetString(buffer.WrittenSpan));
        }

        return rows;
    }
}
