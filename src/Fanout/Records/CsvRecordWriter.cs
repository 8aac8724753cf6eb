namespace Fanout.Records;

/// <summary>RFC 4180 CSV: a header row, then one row per record; cells with commas, quotes or line breaks are quoted.</summary>
internal sealed class CsvRecordWriter(Stream output, bool leaveOpen) : TextRecordWriter(output, leaveOpen)
{
    private static readonly char[] NeedsQuoting = [',', '"', '\n', '\r'];

    protected override void WriteHeader(IReadOnlyList<string> columns) => WriteRow([.. columns]);

    protected override void WriteRow(string?[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                Writer.Write(',');
            }

            var cell = cells[i] ?? string.Empty;
            if (cell.AsSpan().IndexOfAny(NeedsQuoting) >= 0)
            {
                Writer.Write('"');
                Writer.Write(cell.Replace("\"", "\"\"", StringComparison.Ordinal));
                Writer.Write('"');
            }
            else
            {
                Writer.Write(cell);
            }
        }

        Writer.Write('\n');
    }
}
