using System.Text.Json;
using Fanout.Records;

namespace Fanout.Processes;

/// <summary>
/// Input lines as commands: a shell command (named by itself), <c>NAME&lt;TAB&gt;COMMAND</c>, JSONL
/// <c>{"name","cmd","cwd","env","timeout","retries"}</c>, or, with a template, the value for <c>{}</c>.
/// </summary>
internal static class CommandInput
{
    public static CommandItem Parse(InputLine line, CommandTemplate? template, long index)
    {
        try
        {
            if (template is not null)
            {
                // {} is the line quoted for where it goes (see CommandTemplate); {#} its index from 1.
                return new CommandItem(line.Text, template.Expand(line.Text, index));
            }

            if (line.Text.StartsWith('{'))
            {
                return ParseSpec(line.Text);
            }

            var tab = line.Text.IndexOf('\t', StringComparison.Ordinal);
            return tab > 0
                ? new CommandItem(line.Text[..tab].Trim(), line.Text[(tab + 1)..].Trim())
                : new CommandItem(line.Text, line.Text);
        }
        catch (FormatException ex)
        {
            throw new InputFormatException(line.Location, ex.Message);
        }
    }

    private static CommandItem ParseSpec(string text)
    {
        using var document = JsonSpec.ParseObject(text, "command");
        var root = document.RootElement;
        var command = JsonSpec.RequiredString(root, "cmd");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("env", out var env) && env.ValueKind == JsonValueKind.Object)
        {
            foreach (var variable in env.EnumerateObject())
            {
                environment[variable.Name] = variable.Value.ValueKind == JsonValueKind.String ? variable.Value.GetString()! : variable.Value.GetRawText();
            }
        }

        TimeSpan? timeout = null;
        if (root.TryGetProperty("timeout", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            timeout = t.ValueKind == JsonValueKind.Number && t.GetDouble() > 0
                ? TimeSpan.FromSeconds(t.GetDouble())
                : throw new FormatException("\"timeout\" must be a positive number of seconds");
        }

        int? retries = null;
        if (root.TryGetProperty("retries", out var r) && r.ValueKind != JsonValueKind.Null)
        {
            retries = r.ValueKind == JsonValueKind.Number && r.TryGetInt32(out var n) && n >= 0
                ? n
                : throw new FormatException("\"retries\" must be a whole number, 0 or more");
        }

        return new CommandItem(JsonSpec.String(root, "name") ?? command, command)
        {
            WorkingDirectory = JsonSpec.String(root, "cwd"),
            Environment = environment,
            Timeout = timeout,
            Retries = retries,
        };
    }
}
