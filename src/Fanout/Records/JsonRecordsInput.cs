using System.Buffers;
using System.Text.Json;

namespace Fanout.Records;

/// <summary>
/// A JSON document's records as JSON lines: the elements of a top-level array (<c>[{...}, {...}]</c>, pretty-printed or
/// minified), or of the array at a path of object fields (<c>--records-at data</c> for <c>{"data": [...]}</c>), each
/// written compact on its own line, so the JSONL parsers read them unchanged. The document is read as a stream through
/// <see cref="Utf8JsonReader"/>: memory holds one record at a time, whatever the document's size. The line number of a
/// record (in its location, <c>file:N</c>) is its place in the array, from 1. Input whose first character is not
/// <c>[</c> is passed through as it is (JSON lines) when no path is asked for.
/// </summary>
internal sealed class JsonRecordsInput : ReadOnlyStream
{
    private const int StartBytes = 1 << 16;
    private readonly string _name;
    private readonly Stream _inner;
    private readonly string[] _path;
    private readonly string _recordsAt;
    private readonly ArrayBufferWriter<byte> _out = new(StartBytes);
    private byte[] _in = new byte[StartBytes];
    private int _inStart;
    private int _inEnd;
    private bool _eof;
    private int _outPosition;
    private long _line = 1;
    private JsonReaderState _state;
    private Stage _stage = Stage.Detect;

    // Navigating to the array: how many path segments are matched so far (the object being searched is at that depth).
    private int _matched;
    private long _records;

    private JsonRecordsInput(string name, Stream inner, string? recordsAt)
    {
        _name = name;
        _inner = inner;
        _recordsAt = recordsAt ?? string.Empty;
        _path = recordsAt is null ? [] : recordsAt.Split('.');
    }

    private enum Stage
    {
        Detect,
        PassThrough,
        Navigate,
        Elements,
        Trailing,
        Done,
    }

    /// <summary>Wraps <paramref name="inner"/>: see the class.</summary>
    /// <param name="name">The source's name, for errors.</param>
    /// <param name="inner">The source; the stream returned owns it.</param>
    /// <param name="recordsAt">The dotted path of object fields that leads to the array (<c>data</c>, <c>result.items</c>); <see langword="null"/> for a top-level array or JSON lines.</param>
    /// <returns>A stream of JSON lines.</returns>
    public static Stream Wrap(string name, Stream inner, string? recordsAt) =>
        new JsonRecordsInput(name, inner, recordsAt);

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            switch (Produce(buffer))
            {
                case >= 0 and var n:
                    return n;
                case PassOn:
                    return _inner.Read(buffer);
                default:
                    Filled(_eof ? 0 : _inner.Read(Room()));
                    break;
            }
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A pipe (standard input) is read asynchronously, as the line reader reads it.
        while (true)
        {
            switch (Produce(buffer.Span))
            {
                case >= 0 and var n:
                    return n;
                case PassOn:
                    return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                default:
                    Filled(_eof ? 0 : await _inner.ReadAsync(RoomMemory(), cancellationToken).ConfigureAwait(false));
                    break;
            }
        }
    }

    private const int NeedInput = -1;
    private const int PassOn = -2;

    /// <summary>Bytes for the caller: a count (0 at the end), <see cref="NeedInput"/>, or <see cref="PassOn"/> (JSON lines: read the source straight).</summary>
    private int Produce(Span<byte> buffer)
    {
        while (true)
        {
            if (_outPosition < _out.WrittenCount)
            {
                var n = Math.Min(buffer.Length, _out.WrittenCount - _outPosition);
                _out.WrittenSpan.Slice(_outPosition, n).CopyTo(buffer);
                _outPosition += n;
                return n;
            }

            _out.ResetWrittenCount();
            _outPosition = 0;
            switch (_stage)
            {
                case Stage.Done:
                    return 0;
                case Stage.PassThrough when _inStart < _inEnd:
                    var held = Math.Min(buffer.Length, _inEnd - _inStart);
                    _in.AsSpan(_inStart, held).CopyTo(buffer);
                    _inStart += held;
                    return held;
                case Stage.PassThrough:
                    return PassOn;
                case Stage.Detect:
                    if (!Detect())
                    {
                        return NeedInput;
                    }

                    continue;
                default:
                    if (!Step())
                    {
                        if (!_eof)
                        {
                            return NeedInput;
                        }

                        Finish();
                    }

                    continue;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Decides what the input is from its first character that is not white space (after a byte order mark); false when more input is needed.</summary>
    private bool Detect()
    {
        var text = _in.AsSpan(_inStart, _inEnd - _inStart);
        var bom = text.StartsWith("\uFEFF"u8) ? 3 : 0;
        var first = text[bom..].IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0 && !_eof)
        {
            return false;
        }

        if (_path.Length == 0 && (first < 0 || text[bom + first] != (byte)'['))
        {
            // JSON lines: the bytes go on as they are (the byte order mark is for the line reader to drop).
            _stage = Stage.PassThrough;
            return true;
        }

        var skipped = bom + Math.Max(0, first < 0 ? text.Length - bom : first);
        _line += text[..skipped].Count((byte)'\n');
        _inStart += skipped;
        _stage = Stage.Navigate;
        return true;
    }

    /// <summary>Room at the buffer's end for more input: what is left moves to its start, and the buffer grows for a record longer than it.</summary>
    private Span<byte> Room() => RoomMemory().Span;

    private Memory<byte> RoomMemory()
    {
        if (_inStart > 0)
        {
            _in.AsSpan(_inStart, _inEnd - _inStart).CopyTo(_in);
            (_inEnd, _inStart) = (_inEnd - _inStart, 0);
        }

        if (_inEnd == _in.Length)
        {
            Array.Resize(ref _in, _in.Length * 2);
        }

        return _in.AsMemory(_inEnd);
    }

    private void Filled(int read)
    {
        _inEnd += read;
        _eof = read == 0;
    }

    /// <summary>Parses what the buffer holds, writing whole records out; false when nothing could be done without more input.</summary>
    private bool Step()
    {
        var span = _in.AsSpan(_inStart, _inEnd - _inStart);
        var reader = new Utf8JsonReader(span, _eof, _state);
        var progressed = false;
        try
        {
            while (_stage is Stage.Navigate or Stage.Elements or Stage.Trailing)
            {
                var saved = reader;
                if (!reader.Read())
                {
                    reader = saved;
                    break;
                }

                if (!Token(ref reader, span))
                {
                    reader = saved;
                    break;
                }

                progressed = true;
            }
        }
        catch (JsonException) when (_eof && _stage == Stage.Elements)
        {
            throw CutShort();
        }
        catch (JsonException ex)
        {
            // The reader counts lines from the start of what it was given.
            throw new FormatException($"{_name}:{_line + (ex.LineNumber ?? 0)}: not a JSON document of records ({JsonErrors.Message(ex)})", ex);
        }

        var consumed = (int)reader.BytesConsumed;
        _line += span[..consumed].Count((byte)'\n');
        _inStart += consumed;
        _state = reader.CurrentState;
        return progressed || _stage == Stage.Done;
    }

    /// <summary>Acts on one token; false when the value it starts is not all in the buffer yet.</summary>
    private bool Token(ref Utf8JsonReader reader, ReadOnlySpan<byte> span)
    {
        switch (_stage)
        {
            case Stage.Navigate when _path.Length == 0:
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw Problem("the document is not an array of records");
                }

                _stage = Stage.Elements;
                return true;
            case Stage.Navigate when reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == _matched:
                throw Problem($"--records-at {_recordsAt}: no field '{_path[_matched]}'{(_matched == 0 ? string.Empty : $" in '{string.Join('.', _path[.._matched])}'")}");
            case Stage.Navigate when reader.CurrentDepth == 0 && reader.TokenType != JsonTokenType.StartObject:
                throw Problem($"--records-at {_recordsAt}: the document is not an object");
            case Stage.Navigate when reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == _matched + 1:
                var found = reader.ValueTextEquals(_path[_matched]);
                var value = reader;
                if (!value.Read())
                {
                    return false;
                }

                if (!found)
                {
                    if (!value.TrySkip())
                    {
                        return false;
                    }

                    reader = value;
                    return true;
                }

                var last = _matched == _path.Length - 1;
                if (value.TokenType != (last ? JsonTokenType.StartArray : JsonTokenType.StartObject))
                {
                    throw Problem($"--records-at {_recordsAt}: '{string.Join('.', _path[..(_matched + 1)])}' is {Describe(value.TokenType)}, not {(last ? "an array" : "an object")}");
                }

                reader = value;
                _matched++;
                if (last)
                {
                    _stage = Stage.Elements;
                }

                return true;
            case Stage.Navigate:
                return true;
            case Stage.Elements when reader.TokenType == JsonTokenType.EndArray:
                _stage = _path.Length == 0 ? Stage.Trailing : Stage.Done;
                return true;
            case Stage.Elements:
                var start = (int)reader.TokenStartIndex;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    return false;
                }

                Emit(span[start..(int)reader.BytesConsumed]);
                return true;
            default:
                // After a top-level array only white space may follow; the reader refuses anything else.
                return true;
        }
    }

    /// <summary>One record on its own line; a pretty-printed one made compact (white space between tokens dropped).</summary>
    private void Emit(ReadOnlySpan<byte> record)
    {
        var target = _out.GetSpan(record.Length + 1);
        var length = record.Length;
        if (record.IndexOfAny((byte)'\n', (byte)'\r') < 0)
        {
            record.CopyTo(target);
        }
        else
        {
            length = 0;
            var quoted = false;
            for (var i = 0; i < record.Length; i++)
            {
                var b = record[i];
                if (quoted)
                {
                    target[length++] = b;
                    if (b == (byte)'\\' && i + 1 < record.Length)
                    {
                        target[length++] = record[++i];
                    }
                    else if (b == (byte)'"')
                    {
                        quoted = false;
                    }
                }
                else if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    target[length++] = b;
                    quoted = b == (byte)'"';
                }
            }
        }

        target[length] = (byte)'\n';
        _out.Advance(length + 1);
        _records++;
    }

    /// <summary>At the end of the source: the array must have been closed (a cut document is an error, not fewer records).</summary>
    private void Finish()
    {
        if (_stage is Stage.Navigate or Stage.Elements)
        {
            throw _stage == Stage.Elements ? CutShort() : Problem(_path.Length == 0 ? "the document ends before its array" : $"--records-at {_recordsAt}: the document ends before that array");
        }

        _stage = Stage.Done;
    }

    private FormatException Problem(string message) => new($"{_name}:{_line}: {message}");

    private FormatException CutShort() => Problem($"the document ends inside its array after {_records} records: cut short?");

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => "null",
    };
}
