using System.Text.Json;

namespace Fanout.Records;

/// <summary>One compact JSON object per line, UTF-8.</summary>
internal sealed class JsonlRecordWriter : RecordWriter
{
    private static readonly JsonWriterOptions WriterOptions = JsonText.Readable with { SkipValidation = true };

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly BufferedStream _buffer;
    private readonly Utf8JsonWriter _json;

    public JsonlRecordWriter(Stream output, bool leaveOpen)
    {
        _output = output;
        _leaveOpen = leaveOpen;
        _buffer = new BufferedStream(output, 1 << 16);
        _json = new Utf8JsonWriter(_buffer, WriterOptions);
    }

    public override void WriteString(string name, string? value)
    {
        if (value is null)
        {
            _json.WriteNull(name);
        }
        else
        {
            _json.WriteString(name, value);
        }
    }

    public override void WriteTime(string name, DateTimeOffset value)
    {
        Span<char> text = stackalloc char[TimeLength];
        _json.WriteString(name, FormatTime(value, text));
    }

    public override void WriteNumber(string name, long? value)
    {
        if (value is { } v)
        {
            _json.WriteNumber(name, v);
        }
        else
        {
            _json.WriteNull(name);
        }
    }

    public override void WriteNumber(string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            _json.WriteNumber(name, Math.Round(v, 3));
        }
        else
        {
            _json.WriteNull(name);
        }
    }

    public override void WriteBoolean(string name, bool? value)
    {
        if (value is { } v)
        {
            _json.WriteBoolean(name, v);
        }
        else
        {
            _json.WriteNull(name);
        }
    }

    public override void WriteJson(string name, string json)
    {
        _json.WritePropertyName(name);
        _json.WriteRawValue(json, skipInputValidation: true);
    }

    public override async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        await _json.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _buffer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override void BeginRecord() => _json.WriteStartObject();

    protected override void EndRecord()
    {
        _json.WriteEndObject();
        _json.Flush();
        _buffer.WriteByte((byte)'\n');
        _json.Reset();
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        await _json.DisposeAsync().ConfigureAwait(false);
        await _buffer.FlushAsync().ConfigureAwait(false);
        if (!_leaveOpen)
        {
            // Disposing the buffer disposes the stream under it; left open, the buffer (already flushed) is simply dropped.
            await _buffer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
