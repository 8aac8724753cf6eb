using System.Globalization;
using System.Text;

namespace Fanout.Records;

/// <summary>
/// The part CSV and table output share: a record is a row of named text cells, and the first
/// record fixes the columns.
/// </summary>
internal abstract class TextRecordWriter(Stream output, bool leaveOpen) : RecordWriter
{
    private readonly StreamWriter _writer = new(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen) { NewLine = "\n" };
    private readonly List<(string Name, string Value)> _row = [];

    protected List<string>? Columns { get; private set; }

    protected TextWriter Writer => _writer;

    public override void WriteString(string name, string? value) => _row.Add((name, value ?? string.Empty));

    public override void WriteNumber(string name, long? value) => _row.Add((name, value?.ToString(CultureInfo.InvariantCulture) ?? string.Empty));

    public override void WriteNumber(string name, double? value) =>
        _row.Add((name, value is { } v && double.IsFinite(v) ? Math.Round(v, 3).ToString(CultureInfo.InvariantCulture) : string.Empty));

    public override void WriteBoolean(string name, bool? value) => _row.Add((name, value is { } v ? (v ? "true" : "false") : string.Empty));

    public override void WriteJson(string name, string json) => _row.Add((name, json));

    public override async ValueTask FlushAsync(CancellationToken cancellationToken = default) =>
        await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);

    protected override void BeginRecord() => _row.Clear();

    protected override void EndRecord()
    {
        if (Columns is null)
        {
            Columns = [.. _row.Select(c => c.Name).Where(Shows)];
            WriteHeader(Columns);
        }

        var cells = new string[Columns.Count];
        foreach (var (name, value) in _row)
        {
            var column = Columns.IndexOf(name);
            if (column >= 0)
            {
                cells[column] = value;
            }
        }

        WriteRow(cells);
    }

    /// <summary>Whether a field is one of the columns (all are, unless a format leaves some out).</summary>
    protected virtual bool Shows(string name) => true;

    protected abstract void WriteHeader(IReadOnlyList<string> columns);

    protected abstract void WriteRow(string?[] cells);

    protected override async ValueTask DisposeCoreAsync() => await _writer.DisposeAsync().ConfigureAwait(false);
}
