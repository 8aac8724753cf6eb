using System.Text;

namespace Fanout.Processes;

/// <summary>
/// Keeps the last <c>capacity</c> bytes written to it: a chatty command's output cannot fill memory.
/// It grows as output arrives and becomes a ring only at the cap: allocating (and zeroing) the 4 MiB
/// cap up front for each stream of each test was most of the CPU of a run of short tests.
/// </summary>
internal sealed class TailBuffer(int capacity)
{
    private const int InitialBytes = 4096;
    private readonly int _capacity = Math.Max(1, capacity);
    private byte[] _ring = [];
    private int _head;
    private int _length;

    public bool Truncated { get; private set; }

    public void Write(ReadOnlySpan<byte> data)
    {
        if (_ring.Length < _capacity && _length + data.Length > _ring.Length)
        {
            // Still growing, so not yet wrapped (_head is 0): copy what there is into a bigger array.
            var grown = new byte[Math.Min(_capacity, Math.Max(_length + data.Length, Math.Max(InitialBytes, _ring.Length * 2)))];
            _ring.AsSpan(0, _length).CopyTo(grown);
            _ring = grown;
        }

        if (data.Length >= _ring.Length)
        {
            Truncated |= _length > 0 || data.Length > _ring.Length;
            data[^_ring.Length..].CopyTo(_ring);
            _head = 0;
            _length = _ring.Length;
            return;
        }

        var tail = (_head + _length) % _ring.Length;
        var first = Math.Min(data.Length, _ring.Length - tail);
        data[..first].CopyTo(_ring.AsSpan(tail));
        data[first..].CopyTo(_ring);
        var overflow = _length + data.Length - _ring.Length;
        if (overflow > 0)
        {
            _head = (_head + overflow) % _ring.Length;
            _length = _ring.Length;
            Truncated = true;
        }
        else
        {
            _length += data.Length;
        }
    }

    public string Text()
    {
        var firstPart = Math.Min(_length, _ring.Length - _head);
        var ordered = new byte[_length];
        _ring.AsSpan(_head, firstPart).CopyTo(ordered);
        _ring.AsSpan(0, _length - firstPart).CopyTo(ordered.AsSpan(firstPart));
        return Encoding.UTF8.GetString(ordered);
    }
}
