namespace Fanout.Database;

/// <summary>
/// Records parsed from one stretch of input, stored compactly: field names once per block, values as
/// <see cref="Cell"/>s in one array, text as ranges of the input's own bytes. A block is a handful of
/// objects however many records it holds. Built by <see cref="RecordBlockBuilder"/>.
/// </summary>
public sealed class RecordBlock
{
    private readonly List<long> _lines;
    private readonly List<Cell> _texts;
    private readonly List<int> _firstField;
    private readonly List<int> _names;
    private readonly List<Cell> _values;
    private readonly List<string> _nameTable;
    private readonly Dictionary<int, string>? _errors;

    internal RecordBlock(string source, List<long> lines, List<Cell> texts, List<int> firstField, List<int> names, List<Cell> values, List<string> nameTable, Dictionary<int, string>? errors)
    {
        Source = source;
        _lines = lines;
        _texts = texts;
        _firstField = firstField;
        _names = names;
        _values = values;
        _nameTable = nameTable;
        _errors = errors;
    }

    /// <summary>The file the records came from (<c>-</c> for standard input).</summary>
    public string Source { get; }

    /// <summary>How many records (including ones that failed to parse).</summary>
    public int Count => _lines.Count;

    /// <summary>How many fields all records have together.</summary>
    public int FieldCount => _values.Count;

    /// <summary>The distinct field names in this block; <see cref="InsertRow.NameId"/> indexes it.</summary>
    public IReadOnlyList<string> Names => _nameTable;

    /// <summary>One record.</summary>
    /// <param name="index">From 0.</param>
    /// <returns>The record.</returns>
    public InsertRow this[int index] => (uint)index < (uint)Count ? new InsertRow(this, index) : throw new ArgumentOutOfRangeException(nameof(index));

    internal long LineNumber(int record) => _lines[record];

    internal Cell Text(int record) => _texts[record];

    internal string? Error(int record) => _errors is not null && _errors.TryGetValue(record, out var reason) ? reason : null;

    internal int FirstField(int record) => _firstField[record];

    internal int EndField(int record) => record + 1 < _firstField.Count ? _firstField[record + 1] : _values.Count;

    internal int NameIdAt(int field) => _names[field];

    internal Cell ValueAt(int field) => _values[field];
}
