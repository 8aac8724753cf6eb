using System.CommandLine;
using System.CommandLine.Parsing;
using Fanout.Cli;

var root = new RootCommand("""
    fanout: run I/O-bound batch work concurrently, fast and safely.

    Results go to stdout (JSONL when piped), progress and a summary to stderr, so jobs compose:
      fanout http urls.txt -j 50 > results.jsonl

    Start with `fanout demo` to see sequential vs concurrent side by side.
    """);
root.Subcommands.Add(HttpCommand.Create());
root.Subcommands.Add(DownloadCommand.Create());
root.Subcommands.Add(ReadCommand.Create());
root.Subcommands.Add(TestCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(InsertCommand.Create());
root.Subcommands.Add(DemoCommand.Create());

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        // Name the option a bad value belongs to: "Argument 'xml' not recognized" alone does not say where.
        var option = error.SymbolResult switch
        {
            OptionResult o => o.Option.Name,
            ArgumentResult { Parent: OptionResult o } => o.Option.Name,
            _ => null,
        };
        Console.Error.WriteLine(option is null ? $"fanout: {error.Message}" : $"fanout: {option}: {error.Message}");
    }

    Console.Error.WriteLine($"Run '{string.Join(' ', parse.CommandResult.Command.Name == root.Name ? "fanout" : "fanout " + parse.CommandResult.Command.Name)} --help' for usage.");
    return ExitCodes.Usage;
}

try
{
    // Ctrl+C is handled by each job (stop intake, then abort), not by killing the process.
    return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"fanout: {ex.Message}");
    return ExitCodes.Usage;
}
