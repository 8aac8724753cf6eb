namespace Fanout.Records;

/// <summary>
/// Writes result records to a stream in one <see cref="OutputFormat"/>. Records are written one at a
/// time from one thread; output is flushed at least every <see cref="FlushInterval"/> so a downstream
/// pipe sees results while the run goes on.
/// </summary>
public abstract class RecordWriter : IRecordFieldWriter, IAsyncDisposable
{
    /// <summary>Longest time a written record may sit in a buffer.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    private long _lastFlush = Environment.TickCount64;

    /// <summary>Creates a writer for <paramref name="format"/>.</summary>
    /// <param name="format">The format.</param>
    /// <param name="output">The stream written to.</param>
    /// <param name="leaveOpen">Leave <paramref name="output"/> open when the writer is disposed (an <see cref="AtomicFile"/> still to be committed); otherwise it is disposed with the writer.</param>
    /// <returns>The writer.</returns>
    public static RecordWriter Create(OutputFormat format, Stream output, bool leaveOpen = false) => format switch
    {
        OutputFormat.Jsonl => new JsonlRecordWriter(output, leaveOpen),
        OutputFormat.Csv => new CsvRecordWriter(output, leaveOpen),
        OutputFormat.Table => new TableRecordWriter(output, leaveOpen),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>Writes one record whose fields <paramref name="writeFields"/> supplies.</summary>
    /// <typeparam name="TState">What the fields are read from.</typeparam>
    /// <param name="state">Passed to <paramref name="writeFields"/>.</param>
    /// <param name="writeFields">Writes the record's fields.</param>
    /// <param name="cancellationToken">Cancels a flush.</param>
    /// <returns>A task for the write.</returns>
    public async ValueTask WriteAsync<TState>(TState state, Action<TState, IRecordFieldWriter> writeFields, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writeFields);
        BeginRecord();
        writeFields(state, this);
        EndRecord();
        var now = Environment.TickCount64;
        if (now - _lastFlush >= FlushInterval.TotalMilliseconds)
        {
            _lastFlush = now;
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes buffered records out.</summary>
    /// <param name="cancellationToken">Cancels the flush.</param>
    /// <returns>A task for the flush.</returns>
    public abstract ValueTask FlushAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc/>
    public abstract void WriteString(string name, string? value);

    /// <inheritdoc/>
    public virtual void WriteTime(string name, DateTimeOffset value)
    {
        Span<char> text = stackalloc char[TimeLength];
        WriteString(name, new string(FormatTime(value, text)));
    }

    /// <inheritdoc/>
    public abstract void WriteNumber(string name, long? value);

    /// <inheritdoc/>
    public abstract void WriteNumber(string name, double? value);

    /// <inheritdoc/>
    public abstract void WriteBoolean(string name, bool? value);

    /// <inheritdoc/>
    public abstract void WriteJson(string name, string json);

    /// <summary>Flushes and releases the stream.</summary>
    /// <returns>A task for the disposal.</returns>
    public async ValueTask DisposeAsync()
    {
        await FlushAsync().ConfigureAwait(false);
        await DisposeCoreAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>The length of <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>.</summary>
    internal const int TimeLength = 24;

    /// <summary>
    /// <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> in UTC, written digit by digit: every record has two, and a custom format
    /// string costs a parse of the format each time.
    /// </summary>
    internal static ReadOnlySpan<char> FormatTime(DateTimeOffset value, Span<char> text)
    {
        var time = value.UtcDateTime;
        Digits(text[..4], time.Year);
        text[4] = '-';
        Digits(text.Slice(5, 2), time.Month);
        text[7] = '-';
        Digits(text.Slice(8, 2), time.Day);
        text[10] = 'T';
        Digits(text.Slice(11, 2), time.Hour);
        text[13] = ':';
        Digits(text.Slice(14, 2), time.Minute);
        text[16] = ':';
        Digits(text.Slice(17, 2), time.Second);
        text[19] = '.';
        Digits(text.Slice(20, 3), time.Millisecond);
        text[23] = 'Z';
        return text[..TimeLength];

        static void Digits(Span<char> into, int number)
        {
            for (var i = into.Length - 1; i >= 0; i--)
            {
                into[i] = (char)('0' + (number % 10));
                number /= 10;
            }
        }
    }

    /// <summary>Starts a record.</summary>
    protected abstract void BeginRecord();

    /// <summary>Ends a record.</summary>
    protected abstract void EndRecord();

    /// <summary>Releases the stream.</summary>
    /// <returns>A task for the disposal.</returns>
    protected abstract ValueTask DisposeCoreAsync();
}
