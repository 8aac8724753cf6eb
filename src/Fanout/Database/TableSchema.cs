using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Fanout.Database.Parsing;
using Fanout.Records;

namespace Fanout.Database;

/// <summary>The columns of the target table, and how record values become column values.</summary>
internal sealed class TableSchema
{
    private readonly List<KeyValuePair<string, ColumnType>> _columns;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private RecordBlock? _mappedBlock;
    private int _mappedColumns;
    private int[] _map = [];

    /// <summary>Creates a schema from columns in order.</summary>
    /// <param name="columns">Names and types.</param>
    public TableSchema(IEnumerable<KeyValuePair<string, ColumnType>> columns)
    {
        _columns = [.. columns];
        for (var i = 0; i < _columns.Count; i++)
        {
            _index[_columns[i].Key] = i;
        }
    }

    /// <summary>The columns in table order.</summary>
    public IReadOnlyList<KeyValuePair<string, ColumnType>> Columns => _columns;

    /// <summary>
    /// Infers columns from records, in first-seen order. Each column takes the most common kind of
    /// value (numbers, text, booleans, nested JSON); numbers are real if any is, else integer; only
    /// nulls make text. A value of a minority kind is then a type mismatch that rejects its record,
    /// instead of one stray value turning an integer column into text.
    /// </summary>
    /// <param name="rows">Sample records; records that failed to parse are passed over.</param>
    /// <returns>The schema.</returns>
    public static TableSchema Infer(IEnumerable<InsertRow> rows) => Infer(rows, static _ => true);

    /// <summary>Infers columns for the fields <paramref name="include"/> selects (for <c>--alter</c>: the new ones).</summary>
    internal static TableSchema Infer(IEnumerable<InsertRow> rows, Func<string, bool> include)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var counts = new Dictionary<string, Dictionary<ColumnType, int>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var row in rows)
        {
            if (row.Error is not null)
            {
                continue;
            }

            for (var f = 0; f < row.FieldCount; f++)
            {
                var name = row.FieldName(f);
                if (!counts.TryGetValue(name, out var byType))
                {
                    if (!include(name))
                    {
                        continue;
                    }

                    order.Add(name);
                    counts[name] = byType = [];
                }

                if (TypeOf(row.FieldValue(f).Kind) is { } type)
                {
                    byType[type] = byType.GetValueOrDefault(type) + 1;
                }
            }
        }

        return new TableSchema(order.Select(n => new KeyValuePair<string, ColumnType>(n, Choose(counts[n]))));
    }

    private static ColumnType Choose(Dictionary<ColumnType, int> byType)
    {
        if (byType.Count == 0)
        {
            return ColumnType.Text;
        }

        var numbers = byType.GetValueOrDefault(ColumnType.Integer) + byType.GetValueOrDefault(ColumnType.Real);
        var best = byType.Where(p => p.Key is not (ColumnType.Integer or ColumnType.Real))
            .Select(p => (Type: p.Key, Count: p.Value))
            .Append((Type: byType.ContainsKey(ColumnType.Real) ? ColumnType.Real : ColumnType.Integer, Count: numbers))
            .OrderByDescending(p => p.Count)
            .ThenBy(p => p.Type == ColumnType.Text ? 0 : 1)
            .First();
        return best.Count == 0 ? ColumnType.Text : best.Type;
    }

    /// <summary>The column type a value asks for; <see langword="null"/> for a null value.</summary>
    /// <param name="kind">The value's kind.</param>
    /// <returns>The type.</returns>
    public static ColumnType? TypeOf(CellKind kind) => kind switch
    {
        CellKind.Integer => ColumnType.Integer,
        CellKind.Real => ColumnType.Real,
        CellKind.Boolean => ColumnType.Boolean,
        CellKind.Json => ColumnType.Json,
        CellKind.Text => ColumnType.Text,
        _ => null,
    };

    /// <summary>
    /// The schema of a new table for these records: inferred from them, with <see cref="InsertOptions.Types"/> in place of
    /// the inferred types. Every key column and every typed name must be a field (a typed name may come later with --alter).
    /// </summary>
    /// <param name="rows">The first records (the load's first chunk).</param>
    /// <param name="options">The key and the types.</param>
    /// <returns>The schema.</returns>
    /// <exception cref="InvalidOperationException">A key column or a typed name that is no field.</exception>
    internal static TableSchema ForNewTable(IEnumerable<InsertRow> rows, InsertOptions options)
    {
        var schema = Infer(rows).Typed(options.Types);
        var missingKey = options.PrimaryKey.Where(k => !schema.Contains(k)).ToList();
        if (missingKey.Count > 0)
        {
            throw new InvalidOperationException($"primary key column {string.Join(", ", missingKey)} is not a field of the records");
        }

        if (!options.Alter && options.Types.Keys.FirstOrDefault(n => !schema.Contains(n)) is { } unknown)
        {
            throw new InvalidOperationException($"--type {unknown}: no record has a field '{unknown}' (fields: {string.Join(", ", schema.Columns.Take(12).Select(c => c.Key))})");
        }

        return schema;
    }

    /// <summary>Checks <see cref="InsertOptions.Types"/> against an existing table: a type can only shape new columns.</summary>
    /// <param name="options">The types.</param>
    /// <exception cref="InvalidOperationException">A typed name whose column has another type.</exception>
    internal void CheckTypes(InsertOptions options)
    {
        foreach (var (name, type) in options.Types)
        {
            if (_index.TryGetValue(name, out var i) && _columns[i].Value != type)
            {
                throw new InvalidOperationException($"--type {name}={TypeName(type)}: the table's column {name} is {TypeName(_columns[i].Value)}; a type only shapes a new table or a column --alter adds");
            }
        }
    }

    /// <summary>These columns with <paramref name="types"/> in place of theirs (this schema, changed).</summary>
    /// <param name="types">Names and types; names that are no column are passed over.</param>
    /// <returns>This schema.</returns>
    internal TableSchema Typed(IReadOnlyDictionary<string, ColumnType> types)
    {
        foreach (var (name, type) in types)
        {
            if (_index.TryGetValue(name, out var i))
            {
                _columns[i] = new(name, type);
            }
        }

        return this;
    }

    /// <summary>A type's name as <c>--type</c> takes it: integer, real, boolean, text, json.</summary>
    /// <param name="type">The type.</param>
    /// <returns>Its name.</returns>
    public static string TypeName(ColumnType type) => type.ToString().ToLowerInvariant();

    /// <summary>Adds a column (for <c>--alter</c>).</summary>
    /// <param name="name">The column.</param>
    /// <param name="type">Its type.</param>
    public void Add(string name, ColumnType type)
    {
        _index[name] = _columns.Count;
        _columns.Add(new(name, type));
    }

    /// <summary>Whether the table has this column.</summary>
    /// <param name="name">The column.</param>
    /// <returns><see langword="true"/> when it does.</returns>
    public bool Contains(string name) => _index.ContainsKey(name);

    /// <summary>
    /// Puts the record's values in column order into <paramref name="values"/>, converted to the column
    /// types; <see langword="false"/> and a reason when a value does not fit (text in an integer column)
    /// or a field has no column. Columns the record lacks are null. Not thread-safe: it caches how the
    /// last block's field names map to columns.
    /// </summary>
    /// <param name="row">The record.</param>
    /// <param name="values">One cell per column.</param>
    /// <param name="reason">Why it does not fit.</param>
    /// <returns>Whether it fits.</returns>
    public bool Convert(InsertRow row, Span<Cell> values, out string? reason) => Convert(row, values, out reason, out _);

    /// <summary>As <see cref="Convert(InsertRow, Span{Cell}, out string?)"/>, with the kind of problem (see <see cref="RejectedRow.Kind"/>).</summary>
    public bool Convert(InsertRow row, Span<Cell> values, out string? reason, out string? kind)
    {
        if (values.Length != _columns.Count)
        {
            throw new ArgumentException($"{_columns.Count} cells needed", nameof(values));
        }

        values.Clear();
        var map = ColumnsOf(row.Block);
        for (var f = 0; f < row.FieldCount; f++)
        {
            var column = map[row.NameId(f)];
            if (column < 0)
            {
                reason = $"new field \"{row.FieldName(f)}\" is not a column of the table (--alter adds it)";
                kind = $"new field \"{row.FieldName(f)}\"";
                return false;
            }

            var value = row.FieldValue(f);
            if (value.IsNull)
            {
                continue;
            }

            var type = _columns[column].Value;
            if (!TryConvert(value, type, out values[column]))
            {
                reason = $"field \"{row.FieldName(f)}\": {Mismatch(value, type)}";
                kind = $"wrong type in field \"{row.FieldName(f)}\"";
                return false;
            }
        }

        (reason, kind) = (null, null);
        return true;
    }

    /// <summary>The record's values in column order, or <see langword="null"/> and a reason; see <see cref="Convert(InsertRow, Span{Cell}, out string?)"/>.</summary>
    /// <param name="row">The record.</param>
    /// <param name="reason">Why it does not fit.</param>
    /// <returns>The values, or <see langword="null"/>.</returns>
    public Cell[]? Convert(InsertRow row, out string? reason)
    {
        var values = new Cell[_columns.Count];
        return Convert(row, values, out reason) ? values : null;
    }

    private int[] ColumnsOf(RecordBlock block)
    {
        if (!ReferenceEquals(block, _mappedBlock) || _mappedColumns != _columns.Count)
        {
            _map = [.. block.Names.Select(n => _index.GetValueOrDefault(n, -1))];
            (_mappedBlock, _mappedColumns) = (block, _columns.Count);
        }

        return _map;
    }

    private static bool TryConvert(Cell value, ColumnType type, out Cell converted)
    {
        var c = CultureInfo.InvariantCulture;
        converted = (type, value.Kind) switch
        {
            (ColumnType.Integer, CellKind.Integer) or (ColumnType.Real, CellKind.Real) or (ColumnType.Boolean, CellKind.Boolean)
                or (ColumnType.Text, CellKind.Text) or (ColumnType.Json, CellKind.Json) => value,
            // Numbers kept as they were written (1.50, 1e3) when they go into text.
            (ColumnType.Text, CellKind.Integer or CellKind.Real) when value.Utf8.Length > 0 => value.As(CellKind.Text),
            (ColumnType.Json, CellKind.Text) when IsJsonContainer(value.Utf8) => value.As(CellKind.Json),
            (ColumnType.Integer, CellKind.Boolean) => Cell.FromInteger(value.Boolean ? 1 : 0),
            (ColumnType.Integer, CellKind.Real) when value.Real == Math.Floor(value.Real) && Math.Abs(value.Real) < 9e15 => Cell.FromInteger((long)value.Real),
            (ColumnType.Integer, CellKind.Text) when long.TryParse(value.Utf8, NumberStyles.Integer, c, out var l) => Cell.FromInteger(l),
            // Only integers a double holds exactly (|n| <= 2^53); a larger one would be stored rounded.
            (ColumnType.Real, CellKind.Integer) when value.Integer is >= -(1L << 53) and <= 1L << 53 => Cell.FromReal(value.Integer),
            (ColumnType.Real, CellKind.Text) when double.TryParse(value.Utf8, NumberStyles.Float, c, out var d) && double.IsFinite(d) => Cell.FromReal(d),
            (ColumnType.Boolean, CellKind.Integer) when value.Integer is 0 or 1 => Cell.FromBoolean(value.Integer == 1),
            (ColumnType.Boolean, CellKind.Text) when bool.TryParse(value.GetString(), out var b) => Cell.FromBoolean(b),
            (ColumnType.Text, CellKind.Json) => value.As(CellKind.Text),
            (ColumnType.Text, CellKind.Boolean or CellKind.Integer or CellKind.Real) => Cell.FromText(value.ToString()),
            (ColumnType.Json, CellKind.Text) => JsonString(value.Utf8),
            (ColumnType.Json, CellKind.Boolean or CellKind.Integer or CellKind.Real) => Cell.FromJson(value.ToString()),
            _ => Cell.Null,
        };
        return !converted.IsNull;
    }

    /// <summary>Whether text is a whole JSON object or array (a CSV cell holding JSON, for a JSON column).</summary>
    private static bool IsJsonContainer(ReadOnlySpan<byte> utf8)
    {
        var trimmed = utf8.Trim(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] is not ((byte)'{' or (byte)'['))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(trimmed);
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Text as a JSON string value (quoted, escaped), for a JSON column.</summary>
    private static Cell JsonString(ReadOnlySpan<byte> utf8)
    {
        var buffer = new ArrayBufferWriter<byte>(utf8.Length + 2);
        using (var writer = new Utf8JsonWriter(buffer, JsonText.Readable))
        {
            writer.WriteStringValue(utf8);
        }

        var bytes = buffer.WrittenSpan.ToArray();
        return Cell.FromJson(bytes, 0, bytes.Length);
    }

    /// <summary>Why a value does not go into a column, in the user's terms; never a rounding that did not happen.</summary>
    private static string Mismatch(Cell value, ColumnType type) => (value.Kind, type) switch
    {
        (CellKind.Integer, ColumnType.Real) => $"the integer {value} is too large to store exactly as a floating-point number",
        (CellKind.Text, ColumnType.Integer or ColumnType.Real) when IsIntegerText(value.Utf8) => $"the integer {value} does not fit in 64 bits (a text column would hold it exactly)",
        _ => $"{Describe(value)} is not {Article(type)}",
    };

    private static bool IsIntegerText(ReadOnlySpan<byte> utf8) =>
        utf8.Length > 0 && (utf8[0] is (byte)'-' or (byte)'+' ? utf8[1..] : utf8) is { Length: > 0 } digits && !digits.ContainsAnyExceptInRange((byte)'0', (byte)'9');

    private static string Describe(Cell value) => value.Kind switch
    {
        CellKind.Text when value.GetString() is var s => $"text '{(s.Length > 40 ? s[..40] + "…" : s)}'",
        CellKind.Boolean => value.ToString(),
        CellKind.Json => "a nested object or array",
        _ => $"the number {value}",
    };

    private static string Article(ColumnType type) => type switch
    {
        ColumnType.Integer => "an integer",
        ColumnType.Real => "a number",
        ColumnType.Boolean => "a boolean",
        ColumnType.Json => "JSON",
        _ => "text",
    };
}
