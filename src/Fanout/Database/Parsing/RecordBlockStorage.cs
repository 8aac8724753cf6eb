using System.Buffers;
using System.Collections.Concurrent;

namespace Fanout.Database.Parsing;

/// <summary>
/// The lists a <see cref="RecordBlock"/> keeps its records in. A released block gives them back here and
/// the next block is built in them: a load keeps tens of thousands of records between parsing and
/// writing, and fresh lists for each block made the garbage collector copy them from generation to
/// generation and the kernel hand out new zeroed pages (in a parse-only probe, holding the last 60
/// blocks alive doubled the CPU: 0.42 -> 0.84-0.94 s for 1M rows, 35,000 page faults).
/// </summary>
internal sealed class RecordBlockStorage
{
    /// <summary>Storages kept for reuse at most (about 100 KiB each for 32 KiB of input).</summary>
    private const int Kept = 256;
    private static readonly ConcurrentQueue<RecordBlockStorage> Free = new();
    private static int _freeCount;

    public List<long> Lines { get; } = [];

    public List<Cell> Texts { get; } = [];

    public List<int> FirstField { get; } = [];

    public List<int> Names { get; } = [];

    public List<Cell> Values { get; } = [];

    public List<string> NameTable { get; } = [];

    /// <summary>Input buffers rented from <see cref="ArrayPool{T}.Shared"/> that the cells point into; given back with the lists.</summary>
    public List<byte[]> PooledBuffers { get; } = [];

    /// <summary>Empty lists with room for <paramref name="records"/> records of <paramref name="fields"/> fields in all.</summary>
    public static RecordBlockStorage Rent(int records, int fields)
    {
        RecordBlockStorage storage;
        if (Free.TryDequeue(out var free))
        {
            Interlocked.Decrement(ref _freeCount);
            storage = free;
        }
        else
        {
            storage = new RecordBlockStorage();
        }

        storage.Lines.EnsureCapacity(records);
        storage.Texts.EnsureCapacity(records);
        storage.FirstField.EnsureCapacity(records);
        storage.Names.EnsureCapacity(fields);
        storage.Values.EnsureCapacity(fields);
        return storage;
    }

    /// <summary>Empties the lists (cells let go of the input they point into), returns the input buffers and keeps the lists for the next block.</summary>
    public void Return()
    {
        Lines.Clear();
        Texts.Clear();
        FirstField.Clear();
        Names.Clear();
        Values.Clear();
        NameTable.Clear();
        foreach (var buffer in PooledBuffers)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        PooledBuffers.Clear();
        if (Interlocked.Increment(ref _freeCount) <= Kept)
        {
            Free.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref _freeCount);
        }
    }
}
