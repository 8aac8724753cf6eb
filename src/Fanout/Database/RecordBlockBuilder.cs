using System.Text;

namespace Fanout.Database;

/// <summary>Builds a <see cref="RecordBlock"/>: start a record, add its fields, start the next.</summary>
/// <param name="source">The file the records come from, for locations.</param>
/// <param name="records">How many records to make room for.</param>
/// <param name="fields">How many fields (all records together) to make room for.</param>
public sealed class RecordBlockBuilder(string source, int records = 0, int fields = 0)
{
    private const int LinearNameSearch = 32;
    private List<long> _lines = new(records);
    private List<Cell> _texts = new(records);
    private List<int> _firstField = new(records);
    private List<int> _names = new(fields);
    private List<Cell> _values = new(fields);
    private List<string> _nameTable = [];
    private List<byte[]> _nameBytes = [];
    private Dictionary<string, int>? _nameIndex;
    private Dictionary<int, string>? _errors;
    private byte[] _spill = [];
    private int _spillUsed;

    /// <summary>How many records so far.</summary>
    public int Count => _lines.Count;

    /// <summary>Starts a record.</summary>
    /// <param name="lineNumber">Its line in the source.</param>
    /// <param name="text">The record's input text.</param>
    public void StartRecord(long lineNumber, Cell text)
    {
        _lines.Add(lineNumber);
        _texts.Add(text);
        _firstField.Add(_values.Count);
    }

    /// <summary>Adds a field to the current record.</summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">Its value.</param>
    public void AddField(string name, Cell value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_lines.Count == 0)
        {
            throw new InvalidOperationException("StartRecord before AddField");
        }

        AddField(NameId(name), value);
    }

    /// <summary>Marks the current record as unparseable and drops the fields it got so far.</summary>
    /// <param name="reason">Why.</param>
    public void Fail(string reason)
    {
        var record = _lines.Count - 1;
        _values.RemoveRange(_firstField[record], _values.Count - _firstField[record]);
        _names.RemoveRange(_firstField[record], _names.Count - _firstField[record]);
        (_errors ??= [])[record] = reason;
    }

    /// <summary>The block; the builder starts empty again.</summary>
    /// <returns>The records so far.</returns>
    public RecordBlock Build()
    {
        var block = new RecordBlock(source, _lines, _texts, _firstField, _names, _values, _nameTable, _errors);
        (_lines, _texts, _firstField, _names, _values, _nameTable, _nameBytes, _nameIndex, _errors) = ([], [], [], [], [], [], [], null, null);
        (_spill, _spillUsed) = ([], 0);
        return block;
    }

    /// <summary>Where the next field will go; <see cref="RewindFields"/> drops the fields added after it.</summary>
    internal int FieldMark => _values.Count;

    internal void RewindFields(int mark)
    {
        _values.RemoveRange(mark, _values.Count - mark);
        _names.RemoveRange(mark, _names.Count - mark);
    }

    internal void AddField(int nameId, Cell value)
    {
        _names.Add(nameId);
        _values.Add(value);
    }

    /// <summary>The name that usually comes next: the first for a record's first field, else the one after the last field's.</summary>
    private int NextNameGuess => _names.Count > _firstField[^1] ? _names[^1] + 1 : 0;

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
        if (guess < _nameTable.Count && string.Equals(_nameTable[guess], name, StringComparison.Ordinal))
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
            var index = _nameTable.IndexOf(name);
            if (index >= 0)
            {
                return index;
            }
        }

        _nameTable.Add(name);
        _nameBytes.Add(Encoding.UTF8.GetBytes(name));
        if (_nameIndex is null && _nameTable.Count > LinearNameSearch)
        {
            _nameIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < _nameTable.Count; i++)
            {
                _nameIndex.TryAdd(_nameTable[i], i);
            }
        }
        else
        {
            _nameIndex?.TryAdd(name, _nameTable.Count - 1);
        }

        return _nameTable.Count - 1;
    }

    /// <summary>Room for <paramref name="length"/> bytes of text that is not in the input as it stands (unescaped JSON strings, CSV cells).</summary>
    internal (byte[] Buffer, int Start) Reserve(int length)
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
