using System.Globalization;
using System.Text;

namespace Fanout.Database.Parsing;

/// <summary>
/// One record value without an object of its own: numbers and booleans inline, text and JSON as a
/// range of UTF-8 bytes in a buffer the whole block of records shares. A load keeps hundreds of
/// thousands of values alive between parsing and writing; as objects, copying them from one garbage
/// collector generation to the next cost more CPU than parsing them.
/// </summary>
internal readonly struct Cell : IEquatable<Cell>
{
    private readonly long _bits;
    private readonly byte[]? _buffer;
    private readonly int _start;
    private readonly int _length;

    private Cell(CellKind kind, long bits, byte[]? buffer, int start, int length)
    {
        Kind = kind;
        _bits = bits;
        _buffer = buffer;
        _start = start;
        _length = length;
    }

    /// <summary>What the value is.</summary>
    public CellKind Kind { get; }

    /// <summary>Whether the value is null (or the field was absent).</summary>
    public bool IsNull => Kind == CellKind.Null;

    /// <summary>The integer (<see cref="CellKind.Integer"/>).</summary>
    public long Integer => _bits;

    /// <summary>The number (<see cref="CellKind.Real"/>).</summary>
    public double Real => BitConverter.Int64BitsToDouble(_bits);

    /// <summary>The boolean (<see cref="CellKind.Boolean"/>).</summary>
    public bool Boolean => _bits != 0;

    /// <summary>The UTF-8 bytes of text, or the JSON text of a nested value; for a number parsed from JSON, its text as written (empty when there is none).</summary>
    public ReadOnlySpan<byte> Utf8 => _buffer.AsSpan(_start, _length);

    /// <summary>A null value.</summary>
    public static Cell Null => default;

    /// <summary>An integer.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The cell.</returns>
    public static Cell FromInteger(long value) => new(CellKind.Integer, value, null, 0, 0);

    /// <summary>A number.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The cell.</returns>
    public static Cell FromReal(double value) => new(CellKind.Real, BitConverter.DoubleToInt64Bits(value), null, 0, 0);

    /// <summary>A number parsed from text that stays readable in <see cref="Utf8"/> (written as is by text formats: exact, and no formatting cost).</summary>
    /// <param name="value">The value.</param>
    /// <param name="buffer">Holds the number's text.</param>
    /// <param name="start">Where it starts.</param>
    /// <param name="length">Its length in bytes.</param>
    /// <returns>The cell.</returns>
    public static Cell FromInteger(long value, byte[] buffer, int start, int length) => new(CellKind.Integer, value, buffer, start, length);

    /// <summary>A number parsed from text that stays readable in <see cref="Utf8"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="buffer">Holds the number's text.</param>
    /// <param name="start">Where it starts.</param>
    /// <param name="length">Its length in bytes.</param>
    /// <returns>The cell.</returns>
    public static Cell FromReal(double value, byte[] buffer, int start, int length) => new(CellKind.Real, BitConverter.DoubleToInt64Bits(value), buffer, start, length);

    /// <summary>A boolean.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The cell.</returns>
    public static Cell FromBoolean(bool value) => new(CellKind.Boolean, value ? 1 : 0, null, 0, 0);

    /// <summary>Text held as UTF-8 in <paramref name="buffer"/>, which the cell shares, not copies.</summary>
    /// <param name="buffer">The bytes.</param>
    /// <param name="start">Where the text starts.</param>
    /// <param name="length">Its length in bytes.</param>
    /// <returns>The cell.</returns>
    public static Cell FromText(byte[] buffer, int start, int length) => new(CellKind.Text, 0, buffer, start, length);

    /// <summary>Text (encoded to UTF-8 into a new buffer).</summary>
    /// <param name="value">The text.</param>
    /// <returns>The cell.</returns>
    public static Cell FromText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = Encoding.UTF8.GetBytes(value);
        return FromText(bytes, 0, bytes.Length);
    }

    /// <summary>A nested object or array as its JSON text, held as UTF-8 in <paramref name="buffer"/>.</summary>
    /// <param name="buffer">The bytes.</param>
    /// <param name="start">Where the JSON starts.</param>
    /// <param name="length">Its length in bytes.</param>
    /// <returns>The cell.</returns>
    public static Cell FromJson(byte[] buffer, int start, int length) => new(CellKind.Json, 0, buffer, start, length);

    /// <summary>A nested object or array from its JSON text.</summary>
    /// <param name="json">The JSON.</param>
    /// <returns>The cell.</returns>
    public static Cell FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var bytes = Encoding.UTF8.GetBytes(json);
        return FromJson(bytes, 0, bytes.Length);
    }

    /// <summary>The same bytes as another kind (text that is JSON, JSON kept as text).</summary>
    internal Cell As(CellKind kind) => new(kind, _bits, _buffer, _start, _length);

    /// <summary>The text or JSON as a string (a new string each call: for rare paths and for drivers that need one).</summary>
    /// <returns>The text.</returns>
    public string GetString() => Encoding.UTF8.GetString(Utf8);

    /// <inheritdoc/>
    public bool Equals(Cell other) => Kind == other.Kind && _bits == other._bits && (Kind is not (CellKind.Text or CellKind.Json) || Utf8.SequenceEqual(other.Utf8));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Cell other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, _bits, Kind is CellKind.Text or CellKind.Json ? _length : 0);

    /// <summary>Value equality.</summary>
    /// <param name="left">One cell.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they hold the same value.</returns>
    public static bool operator ==(Cell left, Cell right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    /// <param name="left">One cell.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(Cell left, Cell right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        CellKind.Null => "null",
        CellKind.Boolean => Boolean ? "true" : "false",
        CellKind.Integer => Integer.ToString(CultureInfo.InvariantCulture),
        CellKind.Real => Real.ToString(CultureInfo.InvariantCulture),
        _ => GetString(),
    };
}
