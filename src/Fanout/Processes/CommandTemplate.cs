using System.Globalization;
using System.Text;

namespace Fanout.Processes;

/// <summary>
/// A command template for <c>sh -c</c> (<c>gzip -k {}</c>): <c>{}</c> is an input line, <c>{#}</c> its number from 1. The
/// line is hostile until checked, so it is quoted for the place it goes, not just once: where the shell reads words,
/// as one single-quoted word; inside the user's own double or single quotes (<c>echo "{}"</c>), the quotes are closed
/// around that word and reopened, so <c>$(touch x)</c> or a quote in the line is never code. Places where no quoting
/// holds are refused when the template is read: inside backquotes (a backquote in the line would end them), inside
/// <c>${...}</c>, and right after a backslash.
/// </summary>
internal sealed class CommandTemplate
{
    private readonly List<(string Text, Slot Slot)> _parts = [];

    private CommandTemplate()
    {
    }

    private enum Slot
    {
        None,
        Number,
        Word,
        InDoubleQuotes,
        InSingleQuotes,
    }

    private enum Context
    {
        Words,
        Single,
        Double,
        Backquote,
        CommandSubstitution,
        Parameter,
    }

    /// <summary>Reads a template, knowing for each <c>{}</c> which quotes it is in.</summary>
    /// <param name="template">The template.</param>
    /// <returns>The template.</returns>
    /// <exception cref="FormatException">A <c>{}</c> in a place no quoting makes safe.</exception>
    public static CommandTemplate Parse(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var result = new CommandTemplate();
        var literal = new StringBuilder();
        var stack = new Stack<(Context Context, int Parens)>();
        stack.Push((Context.Words, 0));
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            var (context, parens) = stack.Peek();
            if (template.AsSpan(i).StartsWith("{#}"))
            {
                result.Add(literal, Slot.Number);
                i += 2;
                continue;
            }

            if (template.AsSpan(i).StartsWith("{}"))
            {
                result.Add(literal, context switch
                {
                    Context.Words or Context.CommandSubstitution => Slot.Word,
                    Context.Double => Slot.InDoubleQuotes,
                    Context.Single => Slot.InSingleQuotes,
                    Context.Backquote => throw new FormatException("{} inside `...` cannot be quoted safely (a backquote in the line would end them): use $(...)"),
                    _ => throw new FormatException("{} inside ${...} cannot be quoted safely: put the line in a variable first, e.g. f={}; echo \"${f%.txt}\""),
                });
                i++;
                continue;
            }

            literal.Append(c);
            switch (context)
            {
                case Context.Single:
                    if (c == '\'')
                    {
                        stack.Pop();
                    }

                    continue;
                case Context.Parameter:
                    if (c == '}')
                    {
                        stack.Pop();
                    }

                    continue;
            }

            if (c == '\\' && i + 1 < template.Length)
            {
                if (template.AsSpan(i + 1).StartsWith("{}"))
                {
                    throw new FormatException("a backslash right before {} would undo its quoting: leave it out");
                }

                // Inside double quotes a backslash escapes only $ ` " \ and a newline; elsewhere any character.
                if (context != Context.Double || template[i + 1] is '$' or '`' or '"' or '\\' or '\n')
                {
                    literal.Append(template[++i]);
                }

                continue;
            }

            var next = i + 1 < template.Length ? template[i + 1] : '\0';
            if (c == '$' && next == '(')
            {
                literal.Append(template[++i]);
                stack.Push((Context.CommandSubstitution, 0));
            }
            else if (c == '$' && next == '{')
            {
                literal.Append(template[++i]);
                stack.Push((Context.Parameter, 0));
            }
            else if (c == '`')
            {
                if (context == Context.Backquote)
                {
                    stack.Pop();
                }
                else
                {
                    stack.Push((Context.Backquote, 0));
                }
            }
            else if (c == '"')
            {
                if (context == Context.Double)
                {
                    stack.Pop();
                }
                else
                {
                    stack.Push((Context.Double, 0));
                }
            }
            else if (c == '\'' && context != Context.Double)
            {
                stack.Push((Context.Single, 0));
            }
            else if (context == Context.CommandSubstitution && c == '(')
            {
                stack.Pop();
                stack.Push((context, parens + 1));
            }
            else if (context == Context.CommandSubstitution && c == ')')
            {
                stack.Pop();
                if (parens > 0)
                {
                    stack.Push((context, parens - 1));
                }
            }
        }

        result.Add(literal, Slot.None);
        return result;
    }

    /// <summary>The command for one input line.</summary>
    /// <param name="line">The line, as it is.</param>
    /// <param name="index">Its position from 0 (<c>{#}</c> is this plus 1).</param>
    /// <returns>The command for <c>sh -c</c>.</returns>
    public string Expand(string line, long index)
    {
        var command = new StringBuilder();
        foreach (var (text, slot) in _parts)
        {
            command.Append(text);
            switch (slot)
            {
                case Slot.Number:
                    command.Append((index + 1).ToString(CultureInfo.InvariantCulture));
                    break;
                case Slot.Word:
                    command.Append(Quote(line));
                    break;
                case Slot.InDoubleQuotes:
                    command.Append('"').Append(Quote(line)).Append('"');
                    break;
                case Slot.InSingleQuotes:
                    command.Append('\'').Append(Quote(line)).Append('\'');
                    break;
            }
        }

        return command.ToString();
    }

    /// <summary>One shell word that is exactly <paramref name="text"/>: single-quoted, each quote in it as <c>'\''</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The word.</returns>
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private void Add(StringBuilder literal, Slot slot)
    {
        _parts.Add((literal.ToString(), slot));
        literal.Clear();
    }
}
