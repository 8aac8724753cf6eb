using System.Buffers;
using System.Collections.Concurrent;

namespace Fanout.Processes;

/// <summary>
/// How a command line becomes a program and arguments. A plain program call (words of letters, digits
/// and <c>_ . / , : @ % + = -</c>, the first one a program on PATH) is run directly, as make does: the
/// shell would only split the words and exec the program, and costs an exec of its own. Anything else
/// (quotes, variables, globs, redirections, pipes, builtins, assignments) goes to the shell.
/// </summary>
internal static class CommandLine
{
    private static readonly SearchValues<char> Plain = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./,:@%+=- ");

    // Builtins and keywords whose meaning is the shell's own (pwd: the shell's is logical, /bin/pwd's physical).
    private static readonly HashSet<string> ShellWords = new(StringComparer.Ordinal)
    {
        ".", ":", "alias", "bg", "break", "case", "cd", "command", "continue", "declare", "do", "done", "elif", "else", "esac",
        "eval", "exec", "exit", "export", "fg", "fi", "for", "function", "getopts", "hash", "if", "in", "jobs", "let", "local",
        "pwd", "read", "readonly", "return", "select", "set", "shift", "source", "then", "times", "trap", "type", "typeset",
        "ulimit", "umask", "unalias", "unset", "until", "wait", "while",
    };

    private static readonly ConcurrentDictionary<string, string?> OnPath = new(StringComparer.Ordinal);

    /// <summary>The program to run and its arguments (the first being the program's name as written) for <paramref name="command"/>.</summary>
    /// <param name="command">The command line.</param>
    /// <param name="shell">The shell for anything but a plain program call.</param>
    /// <param name="environment">Variables the command gets; a PATH among them sends it to the shell, which searches that PATH.</param>
    /// <returns>The program's path and the arguments.</returns>
    public static (string Program, string[] Arguments) Parse(string command, string shell, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(environment);
        if (shell == "/bin/sh" && !environment.ContainsKey("PATH") && command.AsSpan().IndexOfAnyExcept(Plain) < 0)
        {
            var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length > 0 && !words[0].Contains('=', StringComparison.Ordinal) && !ShellWords.Contains(words[0]) && Locate(words[0]) is { } program)
            {
                return (program, words);
            }
        }

        return (shell, [shell, "-c", command]);
    }

    /// <summary>The program's path: an absolute one as it is, a bare name searched on PATH; <see langword="null"/> when not found (the shell then says so, exit 127).</summary>
    private static string? Locate(string name) => name.StartsWith('/')
        ? (IsExecutableFile(name) ? name : null)
        : name.Contains('/', StringComparison.Ordinal) ? null : OnPath.GetOrAdd(name, static n =>
            (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
                // A relative entry (".") would be looked up from here, not from the command's directory: the shell decides then.
                .TakeWhile(Path.IsPathRooted).Select(d => Path.Combine(d, n)).FirstOrDefault(IsExecutableFile));

    private static bool IsExecutableFile(string path) => File.Exists(path) && Access(path, ExecuteOk) == 0;

    private const int ExecuteOk = 1;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "access", SetLastError = true)]
    private static extern int Access([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int mode);
}
