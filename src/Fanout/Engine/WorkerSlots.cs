namespace Fanout.Engine;

/// <summary>
/// Worker numbers under <c>-j auto</c>: the pool runs <see cref="AutoConcurrency.Max"/> worker tasks, but only the
/// limit's worth hold a permit at once. An item that holds a permit takes the lowest free number, so the numbers a
/// run's records carry (and a report's lanes) are the workers that really ran at once, 1 to the highest concurrency.
/// </summary>
internal sealed class WorkerSlots(int count)
{
    private readonly bool[] _taken = new bool[count];
    private readonly Lock _gate = new();

    /// <summary>Takes the lowest free number (from 1).</summary>
    public int Take()
    {
        lock (_gate)
        {
            for (var i = 0; i < _taken.Length; i++)
            {
                if (!_taken[i])
                {
                    _taken[i] = true;
                    return i + 1;
                }
            }
        }

        // More permits than slots cannot happen (the limit never exceeds Max); numbered past the end if it ever does.
        return _taken.Length + 1;
    }

    /// <summary>Gives a number back.</summary>
    public void Return(int slot)
    {
        if (slot >= 1 && slot <= _taken.Length)
        {
            lock (_gate)
            {
                _taken[slot - 1] = false;
            }
        }
    }
}
