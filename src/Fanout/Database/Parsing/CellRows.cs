namespace Fanout.Database.Parsing;

/// <summary>Rows of values in column order, stored in one flat array: what a sink writes.</summary>
internal readonly struct CellRows
{
    private readonly Cell[] _cells;
    private readonly int _start;

    /// <summary>Wraps <paramref name="count"/> rows of <paramref name="columns"/> cells each.</summary>
    /// <param name="cells">The cells, row after row.</param>
    /// <param name="columns">Cells per row.</param>
    /// <param name="count">How many rows.</param>
    public CellRows(Cell[] cells, int columns, int count)
        : this(cells, columns, 0, count)
    {
    }

    private CellRows(Cell[] cells, int columns, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)(start + count) * columns, cells.Length);
        _cells = cells;
        Columns = columns;
        _start = start;
        Count = count;
    }

    /// <summary>Cells per row.</summary>
    public int Columns { get; }

    /// <summary>How many rows.</summary>
    public int Count { get; }

    /// <summary>One row.</summary>
    /// <param name="row">From 0.</param>
    /// <returns>Its cells in column order.</returns>
    public ReadOnlySpan<Cell> this[int row] => (uint)row < (uint)Count
        ? _cells.AsSpan((_start + row) * Columns, Columns)
        : throw new ArgumentOutOfRangeException(nameof(row));

    /// <summary>Some of the rows.</summary>
    /// <param name="start">The first.</param>
    /// <param name="count">How many.</param>
    /// <returns>The rows.</returns>
    public CellRows Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)start + (uint)count, (uint)Count);
        return new CellRows(_cells, Columns, _start + start, count);
    }
}
