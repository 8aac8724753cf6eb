using System.Buffers;
using System.Globalization;

namespace Fanout.Database;

/// <summary>
/// Writes rows in PostgreSQL's COPY text format (tab between values, newline after each row, <c>\N</c>
/// for null, backslash escapes) as UTF-8 straight from the cells. The server converts each value to
/// its column's type, so any existing column type works (integer, numeric, varchar, timestamptz, uuid,
/// jsonb...), and numbers parsed from JSON are sent as they were written.
/// </summary>
internal sealed class CopyTextEncoder(Stream output) : IDisposable
{
    private static readonly SearchValues<byte> Special = SearchValues.Create("\\\t\n\r"u8);
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
    private int _used;

    public void Write(CellRows rows, CancellationToken cancellationToken)
    {
        for (var r = 0; r < rows.Count; r++)
        {
            if ((r & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var row = rows[r];
            for (var i = 0; i < row.Length; i++)
            {
                if (i > 0)
                {
                    Put((byte)'\t');
                }

                WriteValue(row[i]);
            }

            Put((byte)'\n');
        }
    }

    public void Flush()
    {
        if (_used > 0)
        {
            output.Write(_buffer, 0, _used);
            _used = 0;
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void WriteValue(Cell cell)
    {
        switch (cell.Kind)
        {
            case CellKind.Integer or CellKind.Real when !cell.Utf8.IsEmpty:
                // JSON number syntax is a valid PostgreSQL number literal; no escapes needed.
                Put(cell.Utf8);
                break;
            case CellKind.Integer:
                Ensure(20);
                cell.Integer.TryFormat(_buffer.AsSpan(_used), out var integerLength, default, CultureInfo.InvariantCulture);
                _used += integerLength;
                break;
            case CellKind.Real:
                Ensure(32);
                cell.Real.TryFormat(_buffer.AsSpan(_used), out var realLength, "R", CultureInfo.InvariantCulture);
                _used += realLength;
                break;
            case CellKind.Boolean:
                Put(cell.Boolean ? (byte)'t' : (byte)'f');
                break;
            case CellKind.Text or CellKind.Json:
                PutEscaped(cell.Utf8);
                break;
            default:
                Put(@"\N"u8);
                break;
        }
    }

    private void PutEscaped(ReadOnlySpan<byte> text)
    {
        while (!text.IsEmpty)
        {
            var special = text.IndexOfAny(Special);
            if (special < 0)
            {
                Put(text);
                return;
            }

            Put(text[..special]);
            Ensure(2);
            _buffer[_used++] = (byte)'\\';
            _buffer[_used++] = text[special] switch
            {
                (byte)'\t' => (byte)'t',
                (byte)'\n' => (byte)'n',
                (byte)'\r' => (byte)'r',
                _ => (byte)'\\',
            };
            text = text[(special + 1)..];
        }
    }

    private void Put(byte value)
    {
        Ensure(1);
        _buffer[_used++] = value;
    }

    private void Put(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _buffer.Length - _used)
        {
            Flush();
            if (bytes.Length > _buffer.Length)
            {
                // Bigger than the buffer: straight through.
                output.Write(bytes);
                return;
            }
        }

        bytes.CopyTo(_buffer.AsSpan(_used));
        _used += bytes.Length;
    }

    private void Ensure(int bytes)
    {
        if (_buffer.Length - _used < bytes)
        {
            Flush();
        }
    }
}
