namespace Fanout.Records;

/// <summary>
/// Aligned columns for a person at a terminal. The first rows (up to <see cref="MeasuredRows"/>, or
/// until the first flush) are held back to size the columns; later rows stream out and widen columns
/// only when they must. Cells are kept to one line and cut at <see cref="MaxCellWidth"/>.
/// </summary>
internal sealed class TableRecordWriter(Stream output, bool leaveOpen) : TextRecordWriter(output, leaveOpen)
{
    internal const int MaxCellWidth = 60;
    internal const int MeasuredRows = 100;
    private readonly List<string[]> _held = [];
    private string[]? _header;
    private int[] _widths = [];
    private bool _streaming;

    public override async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        Release();
        await base.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The timeline fields are for machines and reports; a person reads the rest.</summary>
    protected override bool Shows(string name) => !ResultFields.Detail.Contains(name);

    protected override void WriteHeader(IReadOnlyList<string> columns)
    {
        _header = [.. columns];
        _widths = [.. columns.Select(c => c.Length)];
    }

    protected override void WriteRow(string?[] cells)
    {
        var row = cells.Select(Cell).ToArray();
        for (var i = 0; i < row.Length; i++)
        {
            _widths[i] = Math.Max(_widths[i], row[i].Length);
        }

        if (_streaming)
        {
            WriteLine(row);
            return;
        }

        _held.Add(row);
        if (_held.Count >= MeasuredRows)
        {
            Release();
        }
    }

    private void Release()
    {
        if (_streaming || _header is null)
        {
            return;
        }

        _streaming = true;
        WriteLine(_header);
        foreach (var row in _held)
        {
            WriteLine(row);
        }

        _held.Clear();
    }

    private void WriteLine(string[] row)
    {
        for (var i = 0; i < row.Length; i++)
        {
            if (i > 0)
            {
                Writer.Write("  ");
            }

            Writer.Write(i == row.Length - 1 ? row[i] : row[i].PadRight(_widths[i]));
        }

        Writer.Write('\n');
    }

    private static string Cell(string? value)
    {
        var cell = (value ?? string.Empty).ReplaceLineEndings(" ");
        return cell.Length > MaxCellWidth ? string.Concat(cell.AsSpan(0, MaxCellWidth - 1), "…") : cell;
    }
}
