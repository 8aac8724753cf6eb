using System.CommandLine;

namespace Fanout.Cli;

/// <summary><c>fanout run</c>: any command per input line, with the test runner's process handling but no test semantics.</summary>
internal static class RunCommand
{
    public static Command Create() => TestCommand.Build(tests: false);
}
