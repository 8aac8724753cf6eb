using System.Collections;
using System.ComponentModel;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Fanout.Processes;

/// <summary>
/// A child process in a session (so a process group) of its own, started with <c>posix_spawn</c> and
/// <c>POSIX_SPAWN_SETSID</c>: one exec, where <see cref="System.Diagnostics.Process"/> needed the
/// <c>setsid</c> program to exec the shell too. On this kind of machine an exec costs about 3.5 ms of CPU,
/// which was most of a short test's overhead. Standard input is <c>/dev/null</c>; standard output and
/// error are pipes; signal dispositions and the mask are reset to defaults (.NET ignores SIGPIPE, and
/// an ignored signal would stay ignored in the child). A thread per child waits for its exit status.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    /// <summary>The exit code when the status could not be read: the child was reaped elsewhere (a parent that ignores SIGCHLD makes .NET reap every child).</summary>
    public const int UnknownExitCode = -1;

    private const int SpawnSetSignalDefaults = 0x04;
    private const int SpawnSetSignalMask = 0x08;
    private const int SpawnSetSession = 0x80;
    private const int CloseOnExec = 0x80000;
    private const int Interrupted = 4;
    private const int SignalStop = 19;
    private const int OpaqueBytes = 1024;
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(int id, Stream standardOutput, Stream standardError)
    {
        Id = id;
        StandardOutput = standardOutput;
        StandardError = standardError;
        var waiter = new Thread(WaitForExit, maxStackSize: 256 * 1024) { IsBackground = true, Name = "fanout child " + id };
        waiter.Start();
    }

    /// <summary>The process id, which is also its process group id and session id.</summary>
    public int Id { get; }

    /// <summary>The child's standard output.</summary>
    public Stream StandardOutput { get; }

    /// <summary>The child's standard error.</summary>
    public Stream StandardError { get; }

    /// <summary>Whether the child has exited (and been reaped).</summary>
    public bool HasExited => _exit.Task.IsCompleted;

    /// <summary>The exit code; 128 + N when a signal N ended it; <see cref="UnknownExitCode"/> when it could not be read.</summary>
    public int ExitCode => _exit.Task.IsCompleted ? _exit.Task.Result : throw new InvalidOperationException("the process has not exited");

    /// <summary>Starts <paramref name="program"/>.</summary>
    /// <param name="program">The program's path (a bare name is searched on PATH).</param>
    /// <param name="arguments">Its arguments, the first being its name.</param>
    /// <param name="environment">Variables to set on top of this process's environment.</param>
    /// <param name="workingDirectory">The child's working directory, or <see langword="null"/> for ours.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="Win32Exception">It could not be started (no such program or directory, say).</exception>
    public static ChildProcess Start(string program, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string? workingDirectory)
    {
        ArgumentOutOfRangeException.ThrowIfZero(arguments.Count);
        var unmanaged = new List<IntPtr>();
        IntPtr Utf8(string text)
        {
            var pointer = Marshal.StringToCoTaskMemUTF8(text);
            unmanaged.Add(pointer);
            return pointer;
        }

        int[] output = [-1, -1], error = [-1, -1];
        var actions = Marshal.AllocHGlobal(OpaqueBytes);
        var attributes = Marshal.AllocHGlobal(OpaqueBytes);
        var defaults = Marshal.AllocHGlobal(OpaqueBytes);
        var mask = Marshal.AllocHGlobal(OpaqueBytes);
        var actionsReady = false;
        var attributesReady = false;
        try
        {
            Check(Pipe2(output, CloseOnExec) == 0 ? 0 : Marshal.GetLastPInvokeError(), "pipe");
            Check(Pipe2(error, CloseOnExec) == 0 ? 0 : Marshal.GetLastPInvokeError(), "pipe");
            Check(FileActionsInit(actions), "posix_spawn_file_actions_init");
            actionsReady = true;
            Check(FileActionsAddOpen(actions, 0, Utf8("/dev/null"), 0, 0), "posix_spawn_file_actions_addopen");
            Check(FileActionsAddDup2(actions, output[1], 1), "posix_spawn_file_actions_adddup2");
            Check(FileActionsAddDup2(actions, error[1], 2), "posix_spawn_file_actions_adddup2");
            if (!string.IsNullOrEmpty(workingDirectory))
            {
                Check(FileActionsAddChdir(actions, Utf8(workingDirectory)), "posix_spawn_file_actions_addchdir_np");
            }

            Check(AttrInit(attributes), "posix_spawnattr_init");
            attributesReady = true;
            SigFillSet(defaults);
            SigDelSet(defaults, ProcessGroup.SigKill);
            SigDelSet(defaults, SignalStop);
            SigEmptySet(mask);
            Check(AttrSetSigDefault(attributes, defaults), "posix_spawnattr_setsigdefault");
            Check(AttrSetSigMask(attributes, mask), "posix_spawnattr_setsigmask");
            Check(AttrSetFlags(attributes, SpawnSetSession | SpawnSetSignalDefaults | SpawnSetSignalMask), "posix_spawnattr_setflags");

            var argv = arguments.Select(Utf8).Append(IntPtr.Zero).ToArray();
            var variables = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                variables[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
            }

            foreach (var (name, value) in environment)
            {
                variables[name] = value;
            }

            var envp = variables.Select(v => Utf8($"{v.Key}={v.Value}")).Append(IntPtr.Zero).ToArray();
            // A bare name (a shell given as "bash") is searched on PATH.
            var failure = program.Contains('/', StringComparison.Ordinal)
                ? Spawn(out var pid, Utf8(program), actions, attributes, argv, envp)
                : SpawnP(out pid, Utf8(program), actions, attributes, argv, envp);
            if (failure != 0)
            {
                throw new Win32Exception(failure, $"cannot start {program}{(workingDirectory is null ? string.Empty : $" in {workingDirectory}")}: {new Win32Exception(failure).Message}");
            }

            // The child has its own copies of the write ends: close ours, so its exit ends the streams.
            Close(ref output[1]);
            Close(ref error[1]);
            return new ChildProcess(pid, Reader(ref output[0]), Reader(ref error[0]));
        }
        finally
        {
            foreach (var fd in output.Concat(error).Where(fd => fd >= 0))
            {
                _ = CloseFd(fd);
            }

            if (actionsReady)
            {
                _ = FileActionsDestroy(actions);
            }

            if (attributesReady)
            {
                _ = AttrDestroy(attributes);
            }

            foreach (var pointer in unmanaged)
            {
                Marshal.FreeCoTaskMem(pointer);
            }

            Marshal.FreeHGlobal(actions);
            Marshal.FreeHGlobal(attributes);
            Marshal.FreeHGlobal(defaults);
            Marshal.FreeHGlobal(mask);
        }
    }

    /// <summary>Waits for the exit code (see <see cref="ExitCode"/>).</summary>
    /// <param name="cancellationToken">Stops waiting (the child runs on).</param>
    /// <returns>The exit code.</returns>
    public Task<int> WaitForExitAsync(CancellationToken cancellationToken) => _exit.Task.WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        StandardOutput.Dispose();
        StandardError.Dispose();
    }

    private static Stream Reader(ref int fd)
    {
        // PipeStream reads through epoll on Unix: no thread blocks on a quiet child.
        var stream = new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle(fd, ownsHandle: true));
        fd = -1;
        return stream;
    }

    private static void Close(ref int fd)
    {
        _ = CloseFd(fd);
        fd = -1;
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new Win32Exception(error, $"{call}: {new Win32Exception(error).Message}");
        }
    }

    private void WaitForExit()
    {
        int result, status;
        do
        {
            result = WaitPid(Id, out status, 0);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == Interrupted);

        // Exited normally: the code is bits 8-15; ended by a signal: 128 + its number, as shells report it.
        _exit.TrySetResult(result != Id ? UnknownExitCode : (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f));
    }

    [DllImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static extern int Pipe2(int[] fds, int flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int CloseFd(int fd);

    [DllImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static extern int WaitPid(int pid, out int status, int options);

    [DllImport("libc", EntryPoint = "posix_spawnp")]
    private static extern int SpawnP(out int pid, IntPtr file, IntPtr fileActions, IntPtr attributes, IntPtr[] argv, IntPtr[] envp);

    [DllImport("libc", EntryPoint = "posix_spawn")]
    private static extern int Spawn(out int pid, IntPtr file, IntPtr fileActions, IntPtr attributes, IntPtr[] argv, IntPtr[] envp);

    [DllImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static extern int FileActionsInit(IntPtr actions);

    [DllImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static extern int FileActionsDestroy(IntPtr actions);

    [DllImport("libc", EntryPoint = "posix_spawn_file_actions_addopen")]
    private static extern int FileActionsAddOpen(IntPtr actions, int fd, IntPtr path, int flags, int mode);

    [DllImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static extern int FileActionsAddDup2(IntPtr actions, int fd, int newFd);

    [DllImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np")]
    private static extern int FileActionsAddChdir(IntPtr actions, IntPtr path);

    [DllImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static extern int AttrInit(IntPtr attributes);

    [DllImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static extern int AttrDestroy(IntPtr attributes);

    [DllImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static extern int AttrSetFlags(IntPtr attributes, short flags);

    [DllImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static extern int AttrSetSigDefault(IntPtr attributes, IntPtr signals);

    [DllImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static extern int AttrSetSigMask(IntPtr attributes, IntPtr signals);

    [DllImport("libc", EntryPoint = "sigemptyset")]
    private static extern int SigEmptySet(IntPtr signals);

    [DllImport("libc", EntryPoint = "sigfillset")]
    private static extern int SigFillSet(IntPtr signals);

    [DllImport("libc", EntryPoint = "sigdelset")]
    private static extern int SigDelSet(IntPtr signals, int signal);
}
