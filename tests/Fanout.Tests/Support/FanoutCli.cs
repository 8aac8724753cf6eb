using System.Diagnostics;
using System.Text.Json;

namespace Fanout.Tests.Support;

/// <summary>
/// Runs the real built <c>fanout</c> tool as a child process, in a working directory of the test's choosing: the
/// program <c>FANOUT_BIN</c> names when it is set (the native program, as the README's test command builds it),
/// else the JIT build next to the tests (<c>dotnet fanout.dll</c>).
/// </summary>
public static class FanoutCli
{
    private static readonly string ToolPath = Path.Combine(AppContext.BaseDirectory, "fanout.dll");

    /// <summary>The program under test, when it is not the JIT build.</summary>
    public static string? Binary { get; } = Environment.GetEnvironmentVariable("FANOUT_BIN") is { Length: > 0 } bin ? Path.GetFullPath(bin) : null;

    /// <summary>The program and its first arguments, for a test that starts it some other way (as another user, say).</summary>
    public static IReadOnlyList<string> Command => Binary is null ? ["dotnet", ToolPath] : [Binary];

    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(60);

    public sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public IReadOnlyList<JsonElement> JsonLines =>
            [.. Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(TestServer.ParseJson)];

        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    public static Process Start(string workingDirectory, IEnumerable<string> args, IDictionary<string, string>? environment = null) =>
        StartProgram(workingDirectory, Command[0], Command.Skip(1).Concat(args), environment);

    public static Task<Run> RunAsync(string workingDirectory, IEnumerable<string> args, string? stdin = null, IDictionary<string, string>? environment = null, TimeSpan? limit = null) =>
        WaitAsync(Start(workingDirectory, args, environment), stdin, limit ?? DefaultLimit, $"fanout {string.Join(' ', args)}");

    /// <summary>
    /// Runs fanout on a terminal of <paramref name="columns"/> columns (a pseudo-terminal from util-linux's
    /// <c>script</c>), as a user at a shell would: stdin, stdout and stderr are all that terminal, and
    /// <paramref name="typed"/> is what the user types (Ctrl+D, \x04, ends the input). Returns what the terminal showed.
    /// </summary>
    public static Task<Run> RunInTerminalAsync(string workingDirectory, IEnumerable<string> args, string typed = "", int columns = 80, TimeSpan? limit = null)
    {
        var command = string.Join(' ', Command.Concat(args).Select(Quote));
        string[] script = ["--quiet", "--return", "--command", $"stty cols {columns} rows 24; exec {command}", "/dev/null"];
        var process = StartProgram(workingDirectory, "script", script, new Dictionary<string, string> { ["TERM"] = "xterm-256color" });
        return WaitAsync(process, typed, limit ?? DefaultLimit, $"fanout {string.Join(' ', args)} on a terminal");
    }

    private static string Quote(string arg) => "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static Process StartProgram(string workingDirectory, string program, IEnumerable<string> args, IDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("CI");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            // An empty value removes the variable (NO_COLOR, say).
            if (value.Length == 0)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
    }

    private static async Task<Run> WaitAsync(Process started, string? stdin, TimeSpan limit, string what)
    {
        using var process = started;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{what} did not finish in {limit}");
        }

        return new Run(process.ExitCode, await stdout, await stderr);
    }
}
