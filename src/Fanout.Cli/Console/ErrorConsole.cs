using Spectre.Console;

namespace Fanout.Cli.Console;

/// <summary>The Spectre console on stderr (stdout is for results). Spectre honours NO_COLOR itself.</summary>
internal static class ErrorConsole
{
    public static IAnsiConsole Instance { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(System.Console.Error),
    });
}
