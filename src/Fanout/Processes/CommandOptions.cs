namespace Fanout.Processes;

/// <summary>
/// How commands are run. Time limits and reruns are the pool's (<see cref="Engine.WorkPoolOptions.AttemptTimeout"/>,
/// <see cref="Engine.WorkPoolOptions.Retries"/>); a command's own <c>timeout</c> and <c>retries</c> override them.
/// </summary>
public sealed record CommandOptions
{
    /// <summary>The default number of bytes of each output stream kept (the last ones): 4 MiB.</summary>
    public const int DefaultOutputCapBytes = 4 << 20;

    /// <summary>The default exit code that means "skipped", as automake and many test harnesses use it.</summary>
    public const int DefaultSkipExitCode = 77;

    /// <summary>The default time between SIGTERM and SIGKILL when a command is stopped.</summary>
    public static readonly TimeSpan DefaultKillGrace = TimeSpan.FromSeconds(5);

    /// <summary>Exit code counted as skipped.</summary>
    /// <value>Default <see cref="DefaultSkipExitCode"/> (77).</value>
    public int SkipExitCode { get; init; } = DefaultSkipExitCode;

    /// <summary>Bytes kept of each of stdout and stderr; older output is dropped, the end is kept.</summary>
    /// <value>Default <see cref="DefaultOutputCapBytes"/> (4 MiB).</value>
    public int OutputCapBytes { get; init; } = DefaultOutputCapBytes;

    /// <summary>Time a stopped command's process group gets between SIGTERM and SIGKILL.</summary>
    /// <value>Default <see cref="DefaultKillGrace"/> (5 s).</value>
    public TimeSpan KillGrace { get; init; } = DefaultKillGrace;

    /// <summary>
    /// A command template run once per input line (<see cref="CommandRunner.ParseLine"/>): <c>{}</c> is the line,
    /// quoted for where it stands (bare, or inside the template's own quotes: <c>echo "{}"</c> is safe);
    /// <c>{#}</c> its number from 1. <see langword="null"/> when each line is a command.
    /// </summary>
    /// <value>Default <see langword="null"/>.</value>
    public string? Template { get; init; }

    /// <summary>
    /// Whether each command gets a cgroup of its own where cgroup v2 can be written (<see cref="ProcessCgroup"/>), so
    /// processes it leaves running even outside its session (<c>setsid</c>) are found, killed and counted
    /// (<see cref="CommandResult.Survivors"/>). Costs one shell exec for a command that would run without a shell.
    /// <c>fanout test</c> turns it on; <c>fanout run</c>, like <c>xargs</c>, leaves what a command starts alone.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool Contain { get; init; }

    /// <summary>The shell that runs command strings.</summary>
    /// <value>Default <c>/bin/sh</c>.</value>
    public string Shell { get; init; } = "/bin/sh";
}
