namespace Fanout.Database.Parsing;

/// <summary>
/// Records parsed from one stretch of input, stored compactly: field names once per block, values as
/// <see cref="Cell"/>s in one array, text as ranges of the input's own bytes. A block is a handful of
/// objects however many records it holds. Built by <see cref="RecordBlockBuilder"/>.
/// </summary>
/// <remarks>
/// A block starts with one hold, its creator's. <see cref="Hold"/> and <see cref="Release"/> let a
/// pipeline recycle its storage: once the last hold is released, the lists go back to be reused by a
/// later block and this block (and every <see cref="InsertRow"/> of it) may no longer be read. A block
/// that is never released is simply collected.
/// <para>
/// A block parsed from a chunk keeps the chunk, so its one holder can <see cref="TryCompact"/> it: the
/// parsed lists go back to be reused and the block parses its chunk again, the same way, if it is read again.
/// </para>
/// </remarks>
internal sealed class RecordBlock
{
    private const string ReleasedMessage = "the block was released and its storage reused";
    private readonly Dictionary<int, string>? _errors;
    private RecordBlockStorage? _storage;
    // Compacted: no storage, but the chunk to parse again (a released block has neither).
    private Records.TextChunk? _chunk;
    private CsvHeader? _csvHeader;
    private bool _flatten;
    private int _holds = 1;

    internal RecordBlock(string source, RecordBlockStorage storage, Dictionary<int, string>? errors)
    {
        Source = source;
        _storage = storage;
        _errors = errors;
    }

    /// <summary>The file the records came from (<c>-</c> for standard input).</summary>
    public string Source { get; }

    /// <summary>How many records (including ones that failed to parse).</summary>
    public int Count => Storage.Lines.Count;

    /// <summary>How many fields all records have together.</summary>
    public int FieldCount => Storage.Values.Count;

    /// <summary>The distinct field names in this block; <see cref="InsertRow.NameId"/> indexes it.</summary>
    public IReadOnlyList<string> Names => Storage.NameTable;

    private RecordBlockStorage Storage => _storage ?? Restore();

    /// <summary>One record.</summary>
    /// <param name="index">From 0.</param>
    /// <returns>The record.</returns>
    public InsertRow this[int index] => (uint)index < (uint)Count ? new InsertRow(this, index) : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Keeps the block readable until a matching <see cref="Release"/>.</summary>
    /// <exception cref="ObjectDisposedException">The block was already released.</exception>
    public void Hold()
    {
        if (Interlocked.Increment(ref _holds) <= 1)
        {
            Interlocked.Decrement(ref _holds);
            throw new ObjectDisposedException(nameof(RecordBlock), ReleasedMessage);
        }
    }

    /// <summary>Gives up one hold; the last one recycles the block's storage.</summary>
    /// <exception cref="InvalidOperationException">Released more often than held.</exception>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _holds);
        if (left == 0)
        {
            if (Interlocked.Exchange(ref _storage, null) is { } storage)
            {
                storage.Return();
            }
            else if (_chunk is { PooledBuffer: true } chunk)
            {
                // Compacted, the block owned the chunk's buffer by itself.
                System.Buffers.ArrayPool<byte>.Shared.Return(chunk.Bytes);
            }

            _chunk = null;
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("a record block was released more often than it was held");
        }
    }

    /// <summary>
    /// Gives the parsed lists back to be reused, keeping only the raw chunk they were parsed from, when the caller
    /// holds the block alone (no one else can be reading it) and it came from a chunk. Reading the block
    /// afterwards parses the chunk again, to the same records. For rows kept only in case they are needed again.
    /// </summary>
    /// <returns>Whether the block was compacted.</returns>
    internal bool TryCompact()
    {
        if (_chunk is not { } chunk || _storage is not { } storage || Volatile.Read(ref _holds) != 1)
        {
            return false;
        }

        _storage = null;
        if (chunk.PooledBuffer)
        {
            // The buffer stays with the block: the lists go back without it.
            storage.PooledBuffers.Remove(chunk.Bytes);
        }

        storage.Return();
        return true;
    }

    /// <summary>Remembers the chunk the block was parsed from (and its CSV header, for CSV), so that it can be compacted.</summary>
    internal void KeepChunk(Records.TextChunk chunk, CsvHeader? csvHeader, bool flatten) => (_chunk, _csvHeader, _flatten) = (chunk, csvHeader, flatten);

    private RecordBlockStorage Restore()
    {
        if (_chunk is not { } chunk)
        {
            throw new ObjectDisposedException(nameof(RecordBlock), ReleasedMessage);
        }

        // Parsing is deterministic: the same records, fields and errors at the same indexes.
        _storage = (_csvHeader is null ? RecordParser.ParseJson(chunk, _flatten) : RecordParser.ParseCsv(chunk, _csvHeader)).Detach();
        return _storage;
    }

    /// <summary>Takes the storage from a block nobody else has seen (a parse made to restore another).</summary>
    private RecordBlockStorage Detach() => Interlocked.Exchange(ref _storage, null)!;

    internal long LineNumber(int record) => Storage.Lines[record];

    internal Cell Text(int record) => Storage.Texts[record];

    internal string? Error(int record) => _errors is not null && _errors.TryGetValue(record, out var reason) ? reason : null;

    internal int FirstField(int record) => Storage.FirstField[record];

    internal int EndField(int record)
    {
        var storage = Storage;
        return record + 1 < storage.FirstField.Count ? storage.FirstField[record + 1] : storage.Values.Count;
    }

    internal int NameIdAt(int field) => Storage.Names[field];

    internal Cell ValueAt(int field) => Storage.Values[field];
}
