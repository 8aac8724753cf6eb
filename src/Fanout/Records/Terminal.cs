using System.Globalization;
using System.Text;

namespace Fanout.Records;

/// <summary>Text from input, servers and files made safe to print on a terminal.</summary>
public static class Terminal
{
    /// <summary>
    /// Control characters (ESC, NUL, C1 controls, line breaks in a one-line message) and the characters that reorder
    /// text (bidirectional overrides) written as escapes (<c>\x1b</c>, <c>\n</c>, <c>\u202e</c>): input is hostile
    /// until checked, and a name or a server's reason must not move the cursor, change colours or hide text.
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var i = 0;
        while (i < text.Length && !NeedsEscape(text[i]))
        {
            i++;
        }

        if (i == text.Length)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16).Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (!NeedsEscape(c))
            {
                builder.Append(c);
                continue;
            }

            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < '\u0100' => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
            });
        }

        return builder.ToString();
    }

    private static bool NeedsEscape(char c) =>
        c < ' ' || c is '\u007f' or (>= '\u0080' and <= '\u009f') or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069') or '\u200e' or '\u200f' or '\u061c';
}
