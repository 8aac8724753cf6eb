using System.Globalization;

namespace Fanout.Processes;

/// <summary>
/// A cgroup (v2) per command, when the machine lets fanout make them (root, or a delegated cgroup): every process the
/// command starts stays in it, even one that left the command's session (<c>setsid</c>), so a timeout kills them all
/// (<c>cgroup.kill</c>) and the ones left running after the command ended are counted and killed. Without cgroups the
/// process group does that job, as before, for all but such escapees. A command's cgroup is
/// <c>fanout-PID/cN</c> under fanout's own cgroup; the command starts in it (<see cref="Wrap"/>).
/// </summary>
internal sealed class ProcessCgroup : IDisposable
{
    private static readonly TimeSpan EmptyWait = TimeSpan.FromSeconds(2);
    private static readonly Lazy<string?> Parent = new(CreateParent);
    private const string Shell = "/bin/sh";
    private static long _next;
    private readonly string _path;

    private ProcessCgroup(string path) => _path = path;

    /// <summary>Whether commands get cgroups on this machine.</summary>
    public static bool Available => Parent.Value is not null;

    /// <summary>A new cgroup for one command, or <see langword="null"/> when cgroups cannot be made here.</summary>
    public static ProcessCgroup? TryCreate()
    {
        if (Parent.Value is not { } parent)
        {
            return null;
        }

        var path = Path.Combine(parent, "c" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture));
        try
        {
            Directory.CreateDirectory(path);
            return new ProcessCgroup(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The command line that starts <paramref name="program"/> inside the cgroup: the process moves itself in
    /// (<c>echo 0 &gt; cgroup.procs</c>) before anything else runs, so not even a child that the command starts and
    /// leaves at once (<c>setsid cmd &amp;</c>) is outside it (moving the child after it started would race with that).
    /// A command for <paramref name="shell"/> gets that line in front of its script; a program run without a shell
    /// gets a <c>/bin/sh</c> that moves itself and execs it.
    /// </summary>
    /// <param name="program">The program (a path, or a name looked up on PATH).</param>
    /// <param name="arguments">Its arguments, the first being its name.</param>
    /// <param name="shell">The shell that runs command strings (<c>shell -c script</c>).</param>
    /// <returns>The program and arguments to start instead.</returns>
    public (string Program, string[] Arguments) Wrap(string program, IReadOnlyList<string> arguments, string shell)
    {
        var procs = Path.Combine(_path, "cgroup.procs");
        if (program == shell && arguments.Count == 3 && arguments[1] == "-c" && Path.GetFileName(shell) is "sh" or "bash" or "dash" or "ksh" or "zsh")
        {
            return (shell, [arguments[0], "-c", $"echo 0 >{CommandTemplate.Quote(procs)} 2>/dev/null; {arguments[2]}"]);
        }

        return (Shell, [Shell, "-c", "echo 0 >\"$0\" 2>/dev/null; exec \"$@\"", procs, program, .. arguments.Skip(1)]);
    }

    /// <summary>The processes still in the cgroup.</summary>
    public IReadOnlyList<int> Members()
    {
        try
        {
            return [.. File.ReadAllLines(Path.Combine(_path, "cgroup.procs")).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture))];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Kills every process in the cgroup at once (<c>cgroup.kill</c>; one by one on kernels before 5.14).</summary>
    public void Kill()
    {
        if (!TryWrite("cgroup.kill", "1"))
        {
            foreach (var pid in Members())
            {
                ProcessGroup.SignalProcess(pid, ProcessGroup.SigKill);
            }
        }
    }

    /// <summary>Removes the cgroup once its processes are gone.</summary>
    public void Dispose()
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Members().Count > 0 && waited.Elapsed < EmptyWait)
        {
            Thread.Sleep(10);
        }

        try
        {
            Directory.Delete(_path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Still busy: it goes with fanout's own cgroup directory, or a later run clears it.
        }
    }

    private bool TryWrite(string file, string value)
    {
        try
        {
            File.WriteAllText(Path.Combine(_path, file), value);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>fanout-PID</c> under this process's cgroup v2 directory, made once (and empty ones of runs that are gone
    /// cleared); <see langword="null"/> when there is no cgroup v2 or it cannot be written.
    /// </summary>
    private static string? CreateParent()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var own = File.ReadAllLines("/proc/self/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..];
            var mount = File.ReadAllLines("/proc/self/mountinfo")
                .Select(l => l.Split(" - ", 2))
                .Where(p => p.Length == 2 && p[1].StartsWith("cgroup2 ", StringComparison.Ordinal))
                .Select(p => p[0].Split(' ')[4])
                .FirstOrDefault();
            if (own is null || mount is null)
            {
                return null;
            }

            var home = Path.Combine(mount, own.TrimStart('/'));
            foreach (var stale in Directory.EnumerateDirectories(home, "fanout-*"))
            {
                if (int.TryParse(Path.GetFileName(stale)["fanout-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !Directory.Exists($"/proc/{pid}"))
                {
                    foreach (var child in Directory.EnumerateDirectories(stale))
                    {
                        TryDelete(child);
                    }

                    TryDelete(stale);
                }
            }

            var parent = Path.Combine(home, "fanout-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(parent);
            if (!File.Exists(Path.Combine(parent, "cgroup.procs")))
            {
                return null;
            }

            AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(parent);
            return parent;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Busy or not ours: left alone.
        }
    }
}
