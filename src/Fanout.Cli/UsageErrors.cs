using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Fanout.Cli;

/// <summary>
/// What is wrong with a command line, in the user's terms: a misspelt option is an unknown option (with the closest
/// one suggested), never an input file called <c>--timout</c>; a bad number says "not a whole number", not a .NET type.
/// </summary>
internal static partial class UsageErrors
{
    private const int MostDistance = 2;

    // Options that were renamed: a user of an older fanout, or of the tool named, meets the new name.
    private static readonly Dictionary<string, string> Renamed = new(StringComparer.Ordinal)
    {
        ["--max-errors"] = "--max-failures",
        ["--keep-going"] = "--max-failures",
        ["--jobs"] = "--concurrency",
        ["-P"] = "--concurrency",
    };

    public static IReadOnlyList<string> Of(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var errors = new List<string>();

        // Tokens that look like options but were taken as inputs: unknown options, unless they follow '--'.
        var doubleDash = parse.Tokens.Select((t, i) => (t, i)).FirstOrDefault(p => p.t.Type == TokenType.DoubleDash).i is var at && at > 0 ? at : int.MaxValue;
        var inputs = parse.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens);
        foreach (var token in inputs)
        {
            var index = IndexOf(parse.Tokens, token);
            if (LooksLikeOption(token.Value) && index < doubleDash)
            {
                var name = token.Value.Split('=', 2)[0];
                var known = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).ToList();
                errors.Add((Renamed.TryGetValue(name, out var renamed) && known.Contains(renamed) ? renamed : Suggest(name, known)) is { } suggestion
                    ? $"unknown option '{name}' (did you mean {suggestion}?)"
                    : $"unknown option '{name}' (a file whose name starts with '-' goes after '--', or as ./{token.Value})");
            }
        }

        foreach (var error in parse.Errors)
        {
            var option = error.SymbolResult switch
            {
                OptionResult o => o.Option.Name,
                ArgumentResult { Parent: OptionResult o } => o.Option.Name,
                _ => null,
            };
            var message = Rewrite(error.Message, command);
            if (errors.Any(e => message.Contains(e, StringComparison.Ordinal)) || message.StartsWith("Unrecognized command or argument '-", StringComparison.Ordinal))
            {
                // Already said as an unknown option.
                continue;
            }

            if (message.Contains("is not a command", StringComparison.Ordinal) && errors.Any(e => e.Contains("is not a command", StringComparison.Ordinal)))
            {
                // The first word that is not a command is the mistake; the words after it follow from it.
                continue;
            }

            errors.Add(option is null || message.StartsWith(option, StringComparison.Ordinal) ? message : $"{option}: {message}");
        }

        // "Required command was not provided" says less than the word that was not a command.
        return errors.Any(e => e.Contains("is not a command", StringComparison.Ordinal))
            ? [.. errors.Where(e => !e.StartsWith("Required command", StringComparison.Ordinal))]
            : errors;
    }

    /// <summary>The closest of <paramref name="candidates"/> to <paramref name="wrong"/>, when it is close enough to be a typo.</summary>
    public static string? Suggest(string wrong, IEnumerable<string> candidates) =>
        candidates
            .Select(c => (Name: c, Distance: Distance(wrong, c)))
            .Where(c => c.Distance <= MostDistance || (wrong.Length >= 3 && c.Name.StartsWith(wrong, StringComparison.Ordinal)))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.Name)
            .FirstOrDefault();

    private static string Rewrite(string message, Command command)
    {
        if (NotParsed().Match(message) is { Success: true } bad)
        {
            var (value, option, type) = (bad.Groups[1].Value, bad.Groups[2].Value, bad.Groups[3].Value);
            var expected = type.Contains("Int", StringComparison.Ordinal) ? "a whole number" : type.Contains("Double", StringComparison.Ordinal) ? "a number" : "a valid value";
            return $"{option}: '{value}' is not {expected}";
        }

        if (MissingArgument().Match(message) is { Success: true } missing && command.Arguments.FirstOrDefault(a => a.Name == missing.Groups[1].Value) is { } argument)
        {
            return $"missing {argument.Name}: {argument.Description}";
        }

        if (MissingOption().Match(message) is { Success: true } required && command.Options.FirstOrDefault(o => o.Name == required.Groups[1].Value) is { } requiredOption)
        {
            return $"{requiredOption.Name} is required: {requiredOption.Description}";
        }

        if (MissingValue().Match(message) is { Success: true } valueless && command.Options.FirstOrDefault(o => o.Name == valueless.Groups[1].Value) is { } needsValue)
        {
            return $"{needsValue.Name} needs a value{(needsValue.HelpName is { } name ? $" ({name})" : string.Empty)}: {needsValue.Description}";
        }

        if (Unrecognized().Match(message) is { Success: true } unknown && command.Subcommands.Count > 0)
        {
            var word = unknown.Groups[1].Value;
            return Suggest(word, command.Subcommands.Select(c => c.Name)) is { } suggestion
                ? $"'{word}' is not a command (did you mean {suggestion}?)"
                : $"'{word}' is not a command: {string.Join(", ", command.Subcommands.Select(c => c.Name))}";
        }

        return message;
    }

    private static bool LooksLikeOption(string value) =>
        value.Length > 1 && value[0] == '-' && !char.IsAsciiDigit(value[1]) && value[1] != '.';

    private static int IndexOf(IReadOnlyList<Token> tokens, Token token)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (ReferenceEquals(tokens[i], token))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Levenshtein distance: edits to turn one word into the other.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    [GeneratedRegex(@"^Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'\.?$")]
    private static partial Regex NotParsed();

    [GeneratedRegex(@"^Required argument '(.*)' missing for command: '.*'\.?$")]
    private static partial Regex MissingArgument();

    [GeneratedRegex(@"^Required argument missing for option: '(.*)'\.?$")]
    private static partial Regex MissingValue();

    [GeneratedRegex(@"^Option '(.*)' is required\.?$")]
    private static partial Regex MissingOption();

    [GeneratedRegex(@"^Unrecognized command or argument '(.*)'\.?$")]
    private static partial Regex Unrecognized();
}
