using Fanout.Engine;

namespace Fanout.Cli.Console;

/// <summary>No progress; messages still reach stderr, since they report lost input.</summary>
internal sealed class SilentProgressDisplay(string job, string noun, WorkStats stats) : ProgressDisplay(job, noun, stats)
{
    public override void Start()
    {
    }

    public override void Message(string line) => System.Console.Error.WriteLine(line);

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
