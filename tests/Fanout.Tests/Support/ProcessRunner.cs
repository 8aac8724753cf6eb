using System.Diagnostics;

namespace Fanout.Tests.Support;

/// <summary>Runs a system command (sha256sum, wc, mkfifo) and returns its stdout, failing the test on a non-zero exit.</summary>
public static class ProcessRunner
{
    public static string Run(string fileName, params string[] args)
    {
        var (exitCode, output, error) = Execute(fileName, args);
        return exitCode == 0 ? output : throw new InvalidOperationException($"{fileName} exited {exitCode}: {error}");
    }

    /// <summary>Runs a command whose non-zero exit is an answer, not a failure (grep -c finding nothing exits 1); its stdout.</summary>
    public static string RunAllowingExit(string fileName, params string[] args) => Execute(fileName, args).Output;

    private static (int ExitCode, string Output, string Error) Execute(string fileName, string[] args)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new TimeoutException($"{fileName} did not finish");
        }

        return (process.ExitCode, output, error);
    }

    public static bool IsRoot => Environment.UserName == "root";
}
