using Spectre.Console;

namespace Fanout.Cli.Console;

/// <summary>The Spectre console on stderr (stdout is for results). Spectre honours NO_COLOR itself.</summary>
internal static class ErrorConsole
{
    public static IAnsiConsole Instance { get; } = SpectreConsoles.Create(System.Console.Error, System.Console.IsErrorRedirected);
}
