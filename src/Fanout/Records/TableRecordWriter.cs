namespace Fanout.Records;

/// <summary>
/// Aligned columns for a person. Rows are held to the end of the run (up to <see cref="MeasuredRows"/>; beyond that
/// they stream with the widths found so far) so that every column lines up, on a terminal or in a pipe, and nothing is
/// written beside a live progress bar. Cells are kept to one line and cut at <see cref="MaxCellWidth"/>.
/// </summary>
internal sealed class TableRecordWriter(Stream output, bool leaveOpen) : TextRecordWriter(output, leaveOpen)
{
    internal const int MaxCellWidth = 60;
    internal const int MeasuredRows = 10_000;
    private readonly List<string[]> _held = [];
    private string[]? _header;
    private int[] _widths = [];
    private bool _streaming;

    protected override async ValueTask DisposeCoreAsync()
    {
        Release();
        await base.FlushAsync().ConfigureAwait(false);
        await base.DisposeCoreAsync().ConfigureAwait(false);
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
        var line = new System.Text.StringBuilder();
        for (var i = 0; i < row.Length; i++)
        {
            if (i > 0)
            {
                line.Append("  ");
            }

            line.Append(row[i]).Append(' ', i == row.Length - 1 ? 0 : Math.Max(0, _widths[i] - row[i].Length));
        }

        // Empty cells at the end leave no trailing blanks.
        var end = line.Length;
        while (end > 0 && line[end - 1] == ' ')
        {
            end--;
        }

        Writer.Write(line.ToString(0, end));
        Writer.Write('\n');
    }

    private static string Cell(string? value)
    {
        // For a person at a terminal: a server's or a file's control characters are shown escaped, never obeyed.
        var cell = Terminal.Escape((value ?? string.Empty).ReplaceLineEndings(" "));
        return cell.Length > MaxCellWidth ? string.Concat(cell.AsSpan(0, MaxCellWidth - 1), "…") : cell;
    }
}
