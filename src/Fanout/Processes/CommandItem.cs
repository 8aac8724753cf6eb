namespace Fanout.Processes;

/// <summary>One command (a test, or any command for <c>fanout run</c>).</summary>
/// <param name="Name">A stable name: the test's name, or the command itself.</param>
/// <param name="Command">A shell command string, run with <see cref="CommandOptions.Shell"/> <c>-c</c>.</param>
public sealed record CommandItem(string Name, string Command)
{
    /// <summary>Working directory; the current one when <see langword="null"/>.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Extra environment variables.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>This command's time limit, overriding <see cref="Engine.WorkPoolOptions.AttemptTimeout"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>This command's reruns, overriding <see cref="Engine.WorkPoolOptions.Retries"/>.</summary>
    public int? Retries { get; init; }
}
