using System.Runtime.InteropServices;

namespace Fanout.Processes;

/// <summary>
/// Signals to a whole process group. Commands start in a session of their own (<see cref="ChildProcess"/>), so the command's pid is its
/// group id and killing the group reaches every grandchild, even one that left its parent behind.
/// </summary>
internal static partial class ProcessGroup
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>Sends <paramref name="signal"/> to every process in group <paramref name="groupId"/>; false if none is left.</summary>
    public static bool Signal(int groupId, int signal) => Kill(-groupId, signal) == 0;

    /// <summary>Sends <paramref name="signal"/> to one process.</summary>
    public static bool SignalProcess(int pid, int signal) => Kill(pid, signal) == 0;

    /// <summary>Whether the group has any member at all, zombies included (one syscall).</summary>
    public static bool Exists(int groupId) => Kill(-groupId, 0) == 0;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
