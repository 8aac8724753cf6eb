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

    public static Process Start(string workingDirectory, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Binary ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Binary is null)
        {
            start.ArgumentList.Add(ToolPath);
        }

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

        return Process.Start(start) ?? throw new InvalidOperationException("could not start fanout");
    }

    public static async Task<Run> RunAsync(string workingDirectory, IEnumerable<string> args, string? stdin = null, IDictionary<string, string>? environment = null, TimeSpan? limit = null)
    {
        using var process = Start(workingDirectory, args, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(limit ?? DefaultLimit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"fanout {string.Join(' ', args)} did not finish in {limit ?? DefaultLimit}");
        }

        return new Run(process.ExitCode, await stdout, await stderr);
    }
}
