using System.Text;
using System.Text.RegularExpressions;

namespace Fanout.Files;

/// <summary>
/// Shell-style path patterns: <c>*</c> and <c>?</c> within one path segment, <c>[abc]</c> classes,
/// and <c>**</c> as a whole segment for any number of directories; <c>\</c> makes the next character plain
/// (<c>\*</c>, <c>\#</c>), as in shells and ignore files. Matched without backtracking (time linear in the path's
/// length): an ignore file is input, and <c>*a*a*a*a*b</c> against a long name must not stall a walk.
/// </summary>
internal sealed class Glob
{
    private readonly Regex _regex;

    private Glob(string pattern, Regex regex)
    {
        Pattern = pattern;
        _regex = regex;
    }

    public string Pattern { get; }

    public static bool HasWildcards(string text) => text.AsSpan().IndexOfAny("*?[") >= 0;

    public static Glob Parse(string pattern)
    {
        var regex = new StringBuilder("^");
        var segments = pattern.Split('/');
        for (var s = 0; s < segments.Length; s++)
        {
            var segment = segments[s];
            var last = s == segments.Length - 1;
            if (segment == "**")
            {
                // Any number of whole segments, including none.
                regex.Append(last ? ".*" : "(?:[^/]*/)*");
                continue;
            }

            for (var i = 0; i < segment.Length; i++)
            {
                var c = segment[i];
                switch (c)
                {
                    case '*':
                        regex.Append("[^/]*");
                        break;
                    case '?':
                        regex.Append("[^/]");
                        break;
                    case '\\' when i + 1 < segment.Length:
                        regex.Append(Regex.Escape(segment[++i].ToString()));
                        break;
                    case '[':
                        var close = segment.IndexOf(']', i + 1);
                        if (close < 0)
                        {
                            regex.Append(@"\[");
                            break;
                        }

                        var body = segment[(i + 1)..close];
                        regex.Append('[').Append(body.StartsWith('!') || body.StartsWith('^') ? "^" + Regex.Escape(body[1..]) : Regex.Escape(body)).Append(']');
                        i = close;
                        break;
                    default:
                        regex.Append(Regex.Escape(c.ToString()));
                        break;
                }
            }

            if (!last)
            {
                regex.Append('/');
            }
        }

        regex.Append('$');
        return new Glob(pattern, new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking));
    }

    public bool IsMatch(string relativePath) => _regex.IsMatch(relativePath);
}
