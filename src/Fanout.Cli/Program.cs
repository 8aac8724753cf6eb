using System.CommandLine;
using Fanout.Cli;
using Fanout.Cli.Console;
using Fanout.Records;

var root = new RootCommand("fanout: run I/O-bound batch work concurrently, fast and safely.");
root.Subcommands.Add(HttpCommand.Create());
root.Subcommands.Add(DownloadCommand.Create());
root.Subcommands.Add(ReadCommand.Create());
root.Subcommands.Add(TestCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(InsertCommand.Create());
root.Subcommands.Add(QueueCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
HelpLayout.Apply(root);

// No response files: '-d @payload.json' is the file's bytes as the body, not a list of arguments.
var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
// --help and --version win over a command line that is otherwise incomplete ('fanout read --help').
if (!HelpLayout.IsHelpOrVersion(root, parse) && UsageErrors.Of(parse) is { Count: > 0 } errors)
{
    foreach (var error in errors)
    {
        Console.Error.WriteLine($"fanout: {Terminal.Escape(error)}");
    }

    Console.Error.WriteLine($"Run '{(parse.CommandResult.Command == root ? "fanout" : "fanout " + parse.CommandResult.Command.Name)} --help' for usage.");
    return ExitCodes.Usage;
}

try
{
    // Ctrl+C is handled by each job (stop intake, then abort), not by killing the process.
    return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
}
catch (UsageException ex)
{
    foreach (var problem in ex.Problems)
    {
        Console.Error.WriteLine($"fanout: {Terminal.Escape(problem)}");
    }

    return ExitCodes.Usage;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
{
    // A file fanout was told to write or read cannot be: the user's to fix, in one line.
    Console.Error.WriteLine($"fanout: {Terminal.Escape(Fanout.Engine.WorkError.Flatten(ex.Message))}");
    return ExitCodes.Usage;
}
catch (OperationCanceledException)
{
    return ExitCodes.Interrupted;
}
catch (Exception ex)
{
    // Never a stack trace: a fault of fanout's own is still one line, with what to report.
    Console.Error.WriteLine($"fanout: unexpected error ({ex.GetType().Name}): {Terminal.Escape(Fanout.Engine.WorkError.Flatten(ex.Message))}; please report it with the command line");
    return ExitCodes.Usage;
}
