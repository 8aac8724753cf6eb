using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Fanout.Cli.Console;

/// <summary>
/// The top-level help lists each command with its summary and one example; the command's own help (System.CommandLine's)
/// has the rest: what it does, every option with its value placeholder, more examples, exit codes.
/// </summary>
internal static class HelpLayout
{
    public static void Apply(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().First();
        if (help.Action is HelpAction inner)
        {
            help.Action = new RootHelpAction(inner, root);
        }
    }

    /// <summary>Whether the command line asks for help or the version, which wins over anything else wrong with it.</summary>
    public static bool IsHelpOrVersion(RootCommand root, ParseResult parse) =>
        parse.Action is not null && root.Options.Any(o => o is HelpOption or VersionOption && ReferenceEquals(o.Action, parse.Action));

    /// <summary>The description's first line (its summary) and its first example.</summary>
    internal static (string Summary, string? Example) Summary(string description)
    {
        var lines = description.ReplaceLineEndings("\n").Split('\n');
        var example = lines.SkipWhile(l => l.Trim() != "Examples:").Skip(1).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        return (lines[0].Trim(), example);
    }

    private sealed class RootHelpAction(HelpAction inner, RootCommand root) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            if (parseResult.CommandResult.Command != root)
            {
                return inner.Invoke(parseResult);
            }

            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine(root.Description);
            output.WriteLine();
            output.WriteLine("Usage: fanout <command> [inputs] [options]     (fanout <command> --help for its options and examples)");
            output.WriteLine();
            output.WriteLine("Commands:");
            var width = root.Subcommands.Max(c => c.Name.Length);
            foreach (var command in root.Subcommands)
            {
                var (summary, example) = Summary(command.Description ?? string.Empty);
                output.WriteLine($"  {command.Name.PadRight(width)}  {summary}");
                if (example is not null)
                {
                    output.WriteLine($"  {new string(' ', width)}    {example}");
                }
            }

            output.WriteLine();
            output.WriteLine("Results go to stdout (JSONL when piped), progress and a summary to stderr, so jobs compose:");
            output.WriteLine("  fanout read 'logs/**/*.log' | fanout insert --db logs.db --table files");
            output.WriteLine("Exit codes: 0 all ok, 1 some items failed, 2 bad usage or unreadable input, 130 interrupted.");
            output.WriteLine("Start with 'fanout demo' to see sequential vs concurrent side by side; --version shows the version.");
            return 0;
        }
    }
}
