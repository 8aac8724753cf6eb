using Spectre.Console;

namespace Fanout.Cli.Console;

/// <summary>Spectre consoles on a given stream.</summary>
internal static class SpectreConsoles
{
    /// <summary>
    /// A console on <paramref name="writer"/> with no escape codes when it goes to a file or a pipe:
    /// Spectre's own detection trusts TERM, and `fanout demo > out.txt` came out full of them.
    /// </summary>
    public static IAnsiConsole Create(TextWriter writer, bool redirected) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
        ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
    });
}
