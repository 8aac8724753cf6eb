using System.Globalization;

namespace Fanout.Engine;

/// <summary>
/// Whether this machine has a core to spare now, from <c>/proc/stat</c>'s <c>procs_running</c> (the tasks that are
/// running or want to: a command that sleeps or waits on the network is not one, a CPU-bound one is), read at most
/// every <see cref="Interval"/>: the local signal <c>-j auto</c> uses for commands, whose limit is the machine, not
/// a server. Utilisation would not do: starting many commands at once keeps the cores busy with the starting itself.
/// </summary>
internal sealed class CpuProbe(TimeProvider time)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(5);
    private readonly object _gate = new();
    private long _lastRead = long.MinValue;
    private bool _room;

    /// <summary>Whether fewer tasks want a core than there are cores (the reader itself counted as one of them).</summary>
    public bool HasRoom()
    {
        lock (_gate)
        {
            if (_lastRead != long.MinValue && time.GetElapsedTime(_lastRead) < Interval)
            {
                return _room;
            }

            _lastRead = time.GetTimestamp();
            _room = Running() is { } running && running <= Environment.ProcessorCount + 1;
            return _room;
        }
    }

    private static int? Running()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/stat"))
            {
                if (line.StartsWith("procs_running ", StringComparison.Ordinal))
                {
                    return int.Parse(line.AsSpan("procs_running ".Length), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            // Not Linux, or no /proc: no local signal; the limit learns from latency alone.
        }

        return null;
    }
}
