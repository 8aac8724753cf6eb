namespace Fanout.Records;

/// <summary>
/// Aligned columns for a person at a terminal. Rows stream out as results arrive, so widths only
/// grow; cells are kept to one line and cut at <see cref="MaxCellWidth"/>.
/// </summary>
internal sealed class TableRecordWriter(Stream output) : TextRecordWriter(output)
{
    internal const int MaxCellWidth = 60;
    private int[] _widths = [];

    protected override void WriteHeader(IReadOnlyList<string> columns)
    {
        _widths = [.. columns.Select(c => c.Length)];
        WriteRow([.. columns]);
    }

    protected override void WriteRow(string?[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            var cell = (cells[i] ?? string.Empty).ReplaceLineEndings(" ");
            if (cell.Length > MaxCellWidth)
            {
                cell = string.Concat(cell.AsSpan(0, MaxCellWidth - 1), "…");
            }

            _widths[i] = Math.Max(_widths[i], cell.Length);
            if (i > 0)
            {
                Writer.Write("  ");
            }

            Writer.Write(i == cells.Length - 1 ? cell : cell.PadRight(_widths[i]));
        }

        Writer.Write('\n');
    }
}
