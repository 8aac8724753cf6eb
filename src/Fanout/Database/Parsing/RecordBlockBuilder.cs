using System.Text;

using Fanout.Records;

namespace Fanout.Database.Parsing;

/// <summary>Builds a <see cref="RecordBlock"/>: start a record, add its fields, start the next.</summary>
/// <param name="source">The file the records come from, for locations.</param>
/// <param name="records">How many records to make room for.</param>
/// <param name="fields">How many fields (all records together) to make room for.</param>
internal sealed class RecordBlockBuilder(string source, int records = 0, int fields = 0) : ICsvBuffer
{
    private const int LinearNameSearch = 32;
    private RecordBlockStorage? _storage = RecordBlockStorage.Rent(records, fields);
    private List<byte[]> _nameBytes = [];
    private Dictionary<string, int>? _nameIndex;
    private Dictionary<int, string>? _errors;
    private byte[] _spill = [];
    private int _spillUsed;

    /// <summary>How many records so far.</summary>
    public int Count => Storage.Lines.Count;

    /// <summary>Where the records go: lists of a released block when there is one (see <see cref="RecordBlock.Release"/>).</summary>
    private RecordBlockStorage Storage => _storage ??= RecordBlockStorage.Rent(0, 0);

    /// <summary>Starts a record.</summary>
    /// <param name="lineNumber">Its line in the source.</param>
    /// <param name="text">The record's input text.</param>
    public void StartRecord(long lineNumber, Cell text)
    {
        Storage.Lines.Add(lineNumber);
        Storage.Texts.Add(text);
        Storage.FirstField.Add(Storage.Values.Count);
    }

    /// <summary>Adds a field to the current record.</summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">Its value.</param>
    public void AddField(string name, Cell value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Storage.Lines.Count == 0)
        {
            throw new InvalidOperationException("StartRecord before AddField");
        }

        AddField(NameId(name), value);
    }

    /// <summary>Marks the current record as unparseable and drops the fields it got so far.</summary>
    /// <param name="reason">Why.</param>
    public void Fail(string reason)
    {
        var record = Storage.Lines.Count - 1;
        Storage.Values.RemoveRange(Storage.FirstField[record], Storage.Values.Count - Storage.FirstField[record]);
        Storage.Names.RemoveRange(Storage.FirstField[record], Storage.Names.Count - Storage.FirstField[record]);
        (_errors ??= [])[record] = reason;
    }

    /// <summary>The block; the builder starts empty again.</summary>
    /// <returns>The records so far.</returns>
    public RecordBlock Build()
    {
        var block = new RecordBlock(source, Storage, _errors);
        (_storage, _nameBytes, _nameIndex, _errors) = (null, [], null, null);
        (_spill, _spillUsed) = ([], 0);
        return block;
    }

    /// <summary>Gives the block a buffer rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/> that its cells point into, to return when it is released.</summary>
    /// <param name="buffer">The buffer.</param>
    internal void OwnPooled(byte[] buffer) => Storage.PooledBuffers.Add(buffer);

    /// <summary>Where the next field will go; <see cref="RewindFields"/> drops the fields added after it.</summary>
    internal int FieldMark => Storage.Values.Count;

    internal void RewindFields(int mark)
    {
        Storage.Values.RemoveRange(mark, Storage.Values.Count - mark);
        Storage.Names.RemoveRange(mark, Storage.Names.Count - mark);
    }

    internal void AddField(int nameId, Cell value)
    {
        Storage.Names.Add(nameId);
        Storage.Values.Add(value);
    }

    /// <summary>The name that usually comes next: the first for a record's first field, else the one after the last field's.</summary>
    private int NextNameGuess => Storage.Names.Count > Storage.FirstField[^1] ? Storage.Names[^1] + 1 : 0;

    /// <summary>The id of a field name given as UTF-8; records usually repeat one order of fields, so the next name is tried first.</summary>
    internal int NameId(ReadOnlySpan<byte> utf8)
    {
        var guess = NextNameGuess;
        if (guess < _nameBytes.Count && utf8.SequenceEqual(_nameBytes[guess]))
        {
            return guess;
        }

        if (_nameIndex is null)
        {
            for (var i = 0; i < _nameBytes.Count; i++)
            {
                if (utf8.SequenceEqual(_nameBytes[i]))
                {
                    return i;
                }
            }
        }

        return NameId(Encoding.UTF8.GetString(utf8));
    }

    internal int NameId(string name)
    {
        var guess = NextNameGuess;
        if (guess < Storage.NameTable.Count && string.Equals(Storage.NameTable[guess], name, StringComparison.Ordinal))
        {
            return guess;
        }

        if (_nameIndex is not null)
        {
            if (_nameIndex.TryGetValue(name, out var found))
            {
                return found;
            }
        }
        else
        {
            var index = Storage.NameTable.IndexOf(name);
            if (index >= 0)
            {
                return index;
            }
        }

        Storage.NameTable.Add(name);
        _nameBytes.Add(Encoding.UTF8.GetBytes(name));
        if (_nameIndex is null && Storage.NameTable.Count > LinearNameSearch)
        {
            _nameIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < Storage.NameTable.Count; i++)
            {
                _nameIndex.TryAdd(Storage.NameTable[i], i);
            }
        }
        else
        {
            _nameIndex?.TryAdd(name, Storage.NameTable.Count - 1);
        }

        return Storage.NameTable.Count - 1;
    }

    /// <summary>Room for <paramref name="length"/> bytes of text that is not in the input as it stands (unescaped JSON strings, CSV cells).</summary>
    public (byte[] Buffer, int Start) Reserve(int length)
    {
        if (_spill.Length - _spillUsed < length)
        {
            // Cells keep the old buffer alive; only new text goes to the new one.
            _spill = GC.AllocateUninitializedArray<byte>(Math.Max(length, Math.Max(4096, _spill.Length * 2)));
            _spillUsed = 0;
        }

        var start = _spillUsed;
        _spillUsed += length;
        return (_spill, start);
    }

    /// <summary>Encodes a string into the block's own buffer.</summary>
    /// <param name="text">The text.</param>
    /// <returns>A cell over it.</returns>
    internal Cell Encode(string text)
    {
        var (buffer, start) = Reserve(Encoding.UTF8.GetByteCount(text));
        var length = Encoding.UTF8.GetBytes(text, buffer.AsSpan(start));
        return Cell.FromText(buffer, start, length);
    }
}
