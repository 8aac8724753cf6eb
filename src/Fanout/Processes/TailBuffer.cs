using System.Text;

namespace Fanout.Processes;

/// <summary>Keeps the last <c>capacity</c> bytes written to it: a chatty command's output cannot fill memory.</summary>
internal sealed class TailBuffer(int capacity)
{
    private readonly byte[] _ring = new byte[Math.Max(1, capacity)];
    private int _head;
    private int _length;

    public bool Truncated { get; private set; }

    public void Write(ReadOnlySpan<byte> data)
    {
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
