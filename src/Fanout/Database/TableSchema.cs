using System.Globalization;
using System.Text.Json;

namespace Fanout.Database;

/// <summary>The columns of the target table, and how record values become column values.</summary>
public sealed class TableSchema
{
    private readonly List<KeyValuePair<string, ColumnType>> _columns;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

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
    /// <param name="rows">Sample records.</param>
    /// <returns>The schema.</returns>
    public static TableSchema Infer(IEnumerable<InsertRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var counts = new Dictionary<string, Dictionary<ColumnType, int>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var row in rows)
        {
            foreach (var (name, value) in row.Fields)
            {
                if (!counts.TryGetValue(name, out var byType))
                {
                    order.Add(name);
                    counts[name] = byType = [];
                }

                if (value is not null)
                {
                    var type = TypeOf(value);
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

    /// <summary>The type a single value asks for.</summary>
    /// <param name="value">A record value (not null).</param>
    /// <returns>The type.</returns>
    public static ColumnType TypeOf(object value) => value switch
    {
        long => ColumnType.Integer,
        double => ColumnType.Real,
        bool => ColumnType.Boolean,
        JsonText => ColumnType.Json,
        _ => ColumnType.Text,
    };

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
    /// The record's values in column order, converted to the column types; <see langword="null"/> and
    /// a reason when a value does not fit (text in an integer column) or a field has no column.
    /// </summary>
    /// <param name="row">The record.</param>
    /// <param name="reason">Why it does not fit.</param>
    /// <returns>The values, or <see langword="null"/>.</returns>
    public object?[]? Convert(InsertRow row, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(row);
        var values = new object?[_columns.Count];
        foreach (var (name, value) in row.Fields)
        {
            if (!_index.TryGetValue(name, out var column))
            {
                reason = $"new field \"{name}\" is not a column of the table (--alter adds it)";
                return null;
            }

            if (value is null)
            {
                continue;
            }

            var type = _columns[column].Value;
            var converted = ConvertValue(value, type);
            if (converted is null)
            {
                reason = $"field \"{name}\": {Describe(value)} is not {Article(type)}";
                return null;
            }

            values[column] = converted;
        }

        reason = null;
        return values;
    }

    private static object? ConvertValue(object value, ColumnType type) => (type, value) switch
    {
        (ColumnType.Integer, long l) => l,
        (ColumnType.Integer, double d) when d == Math.Floor(d) && Math.Abs(d) < 9e15 => (long)d,
        (ColumnType.Integer, string s) when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        (ColumnType.Real, long l) => (double)l,
        (ColumnType.Real, double d) => d,
        (ColumnType.Real, string s) when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => d,
        (ColumnType.Boolean, bool b) => b,
        (ColumnType.Boolean, long l) when l is 0 or 1 => l == 1,
        (ColumnType.Boolean, string s) when bool.TryParse(s, out var b) => b,
        (ColumnType.Text, string s) => s,
        (ColumnType.Text, bool b) => b ? "true" : "false",
        (ColumnType.Text, IFormattable f) => f.ToString(null, CultureInfo.InvariantCulture),
        (ColumnType.Text, JsonText j) => j.Json,
        (ColumnType.Json, JsonText j) => j,
        (ColumnType.Json, string s) => new JsonText(JsonSerializer.Serialize(s)),
        (ColumnType.Json, bool b) => new JsonText(b ? "true" : "false"),
        (ColumnType.Json, IFormattable f) => new JsonText(f.ToString(null, CultureInfo.InvariantCulture)),
        _ => null,
    };

    private static string Describe(object value) => value switch
    {
        string s => $"text '{(s.Length > 40 ? s[..40] + "…" : s)}'",
        bool b => b ? "true" : "false",
        JsonText => "a nested object or array",
        IFormattable f => $"the number {f.ToString(null, CultureInfo.InvariantCulture)}",
        _ => value.ToString() ?? "?",
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
