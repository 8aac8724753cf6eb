using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Fanout.Database.Parsing;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Database;

/// <summary>
/// One load, input to table. The input is read in chunks of raw lines and parsed on every core (through the engine)
/// while writers write; records go into <see cref="RowChunk"/>s. The first chunk is written before any other (it
/// creates the table); after it, each writer has its own connection and takes chunks from a bounded queue into its
/// open transaction, so PostgreSQL gets parallel COPY streams while the parsers stay at most a few chunks ahead. A
/// writer holds its chunks until their transaction commits, then reports and releases them for reuse: a chunk's
/// result is out when its rows are committed.
/// </summary>
internal sealed class InsertLoad
{
    /// <summary>The most rows one <see cref="RowChunk"/> carries from the parsers to a writer.</summary>
    public const int MostChunkRows = 10_000;

    // About 450 records of 70 bytes: a block's arrays stay under the large object heap's 85,000 bytes.
    private const int ParseChunkBytes = 32 * 1024;

    private readonly DatabaseTarget _target;
    private readonly InsertOptions _options;
    private readonly int _writers;
    private readonly int _batchSize;
    private readonly WorkPoolOptions _pool;
    private readonly Action<RejectedRow> _reject;
    private readonly TimeProvider _time;
    private readonly List<TableWriter> _tableWriters = [];
    private readonly Lock _gate = new();
    private readonly ConcurrentQueue<RowChunk> _spare = new();
    private readonly Channel<RowChunk> _queue;
    private readonly Channel<WorkResult<InsertItem, InsertResult>> _results = Channel.CreateUnbounded<WorkResult<InsertItem, InsertResult>>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _workers;
    private Task<Writer>? _first;
    private long _parseRejected;

    public InsertLoad(DatabaseTarget target, InsertOptions options, int writers, int batchSize, WorkPoolOptions pool, Action<RejectedRow> reject)
    {
        _target = target;
        _options = options;
        _writers = writers;
        _batchSize = batchSize;
        _pool = pool;
        _reject = reject;
        _time = pool.TimeProvider;
        _queue = Channel.CreateBounded<RowChunk>(Math.Max(1, writers));
        ChunkRows = ChunkRowsFor(batchSize);
        if (pool.RatePerSecond is { } rate)
        {
            // Paced chunk by chunk: a tenth of a second's rows at a time, so the rate holds over short stretches too.
            ChunkRows = (int)Math.Clamp(rate / 10, 1, ChunkRows);
        }
    }

    /// <summary>
    /// Rows per <see cref="RowChunk"/>: a transaction (the batch size's rows) streams in chunks of at most
    /// <see cref="MostChunkRows"/>, evenly sized, so a writer starts on a transaction's first rows while the parsers
    /// read its last, and a large transaction is never one large buffer. Under a rate, a tenth of a second's rows.
    /// </summary>
    public int ChunkRows { get; }

    /// <summary>Rows per chunk for a batch size (without a rate): see <see cref="ChunkRows"/>.</summary>
    /// <param name="batchSize">Rows per transaction.</param>
    /// <returns>Rows per chunk.</returns>
    public static int ChunkRowsFor(int batchSize) => CeilingDivide(batchSize, CeilingDivide(batchSize, MostChunkRows));

    /// <summary>Whether the load stopped early because of <see cref="WorkPoolOptions.MaxFailures"/> rejected records.</summary>
    public bool StoppedForRejects { get; private set; }

    /// <summary>Counts so far: rows count once their transaction commits, parse errors as soon as they are found.</summary>
    public InsertTotals Totals()
    {
        lock (_gate)
        {
            return new InsertTotals
            {
                Inserted = _tableWriters.Sum(i => i.Totals.Inserted),
                Updated = _tableWriters.Sum(i => i.Totals.Updated),
                Ignored = _tableWriters.Sum(i => i.Totals.Ignored),
                Rejected = _tableWriters.Sum(i => i.Totals.Rejected) + Interlocked.Read(ref _parseRejected),
                NotLoaded = _tableWriters.Sum(i => i.Totals.NotLoaded),
            };
        }
    }

    /// <summary>Loads the sources, yielding each chunk's result once it is committed.</summary>
    public async IAsyncEnumerable<WorkResult<InsertItem, InsertResult>> RunAsync(
        IReadOnlyList<string> sources,
        InsertFormat format,
        Func<Stream> openStandardInput,
        [EnumeratorCancellation] CancellationToken stopToken)
    {
        var feeding = FeedAsync(sources, format, openStandardInput, stopToken);
        var ordered = new SortedDictionary<long, WorkResult<InsertItem, InsertResult>>();
        long next = 0;
        await foreach (var result in _results.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (!_pool.PreserveOrder)
            {
                yield return result;
                continue;
            }

            // Writers commit out of order; in input order, a result waits for those before it (at most a writer's queue).
            ordered[result.Index] = result;
            while (ordered.Remove(next, out var ready))
            {
                next++;
                yield return ready;
            }
        }

        foreach (var rest in ordered.Values)
        {
            yield return rest;
        }

        await feeding.ConfigureAwait(false);
    }

    private async Task FeedAsync(IReadOnlyList<string> sources, InsertFormat format, Func<Stream> openStandardInput, CancellationToken stopToken)
    {
        try
        {
            // Connecting overlaps parsing the first chunk; its errors surface at the first write.
            _ = Start();
            var chunk = NewChunk();
            long index = 0;
            long rowsQueued = 0;
            var origin = _time.GetTimestamp();
            var stopped = false;
            async Task QueueAsync(RowChunk full)
            {
                await PaceAsync(origin, rowsQueued, stopToken).ConfigureAwait(false);
                rowsQueued += full.Offered;
                await WriteAsync(full, index++).ConfigureAwait(false);
            }

            await foreach (var block in ParseAsync(sources, format, _options, openStandardInput, stopToken).ConfigureAwait(false))
            {
                for (var i = 0; i < block.Count && !stopped; i++)
                {
                    var row = block[i];
                    if (_pool.Shard is { } shard && !shard.Contains(row.Location))
                    {
                        continue;
                    }

                    if (!chunk.Takes(row.Block.Source))
                    {
                        await QueueAsync(chunk).ConfigureAwait(false);
                        chunk = NewChunk();
                    }

                    if (row.Error is { } reason)
                    {
                        Interlocked.Increment(ref _parseRejected);
                        chunk.AddUnparsed(row);
                        _reject(new RejectedRow(row.Location, row.Text, reason));
                    }
                    else
                    {
                        chunk.Add(row);
                    }

                    if (chunk.Offered >= ChunkRows)
                    {
                        // Written as soon as it is full: a trickling input's records are not held back waiting for more.
                        await QueueAsync(chunk).ConfigureAwait(false);
                        chunk = NewChunk();
                    }

                    stopped = _pool.MaxFailures is { } max && Totals().Rejected >= max;
                }

                // The chunks that took rows of the block hold it; parse errors were rejected above.
                block.Release();
                if (stopped)
                {
                    StoppedForRejects = true;
                    break;
                }
            }

            await QueueAsync(chunk).ConfigureAwait(false);
            await CompleteAsync().ConfigureAwait(false);
            _results.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            // A queue closed by a failed writer: its failure (a lost connection, say) is the one to report.
            _queue.Writer.TryComplete();
            _results.Writer.TryComplete(ex is ChannelClosedException { InnerException: { } cause } ? cause : ex);
        }
    }

    /// <summary>With a rate (<see cref="WorkPoolOptions.RatePerSecond"/> rows a second), waits until the row after the <paramref name="rows"/> queued so far is due.</summary>
    private async Task PaceAsync(long origin, long rows, CancellationToken stopToken)
    {
        if (_pool.RatePerSecond is { } rate)
        {
            var wait = TimeSpan.FromSeconds(rows / rate) - _time.GetElapsedTime(origin);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, _time, stopToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
                {
                    // Stopping: what was parsed is still written.
                }
            }
        }
    }

    /// <summary>An empty chunk: one written before, when there is one (a chunk's row list is large enough to be costly to allocate).</summary>
    private RowChunk NewChunk() => _spare.TryDequeue(out var chunk) ? chunk : new RowChunk(ChunkRows);

    /// <summary>
    /// Writes the chunk: the first at once (it creates the table), later ones through the queue. Each chunk is reported
    /// and released once its transaction commits (a failed transaction reads its chunks again).
    /// </summary>
    private async Task WriteAsync(RowChunk chunk, long index)
    {
        if (chunk.Offered == 0)
        {
            _spare.Enqueue(chunk);
            return;
        }

        chunk.Index = index;
        chunk.QueuedTimestamp = _time.GetTimestamp();
        chunk.QueuedAt = _time.GetUtcNow();
        if (_workers is null)
        {
            var first = await Start().ConfigureAwait(false);
            await WriteHeldAsync(first, chunk).ConfigureAwait(false);
            _workers = Task.WhenAll(Enumerable.Range(0, _writers).Select(i => WorkAsync(i == 0 ? first : new Writer(i + 1))));
            return;
        }

        await _queue.Writer.WriteAsync(chunk, _pool.AbortToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Connects the first writer and reads the table's columns, if it has not started yet: call it before parsing,
    /// so the database answers while the first chunk is read (a connection and its first queries take ~0.15 s).
    /// </summary>
    private Task<Writer> Start() => _first ??= StartFirstAsync();

    private async Task<Writer> StartFirstAsync()
    {
        var first = new Writer(1);
        await ConnectAsync(first).ConfigureAwait(false);
        return first;
    }

    private async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();

        // With no rows at all, the database is still checked: an unreachable one is an error either way.
        var first = await Start().ConfigureAwait(false);
        try
        {
            if (_workers is not null)
            {
                await _workers.ConfigureAwait(false);
            }
        }
        finally
        {
            await first.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task WorkAsync(Writer writer)
    {
        try
        {
            await foreach (var chunk in _queue.Reader.ReadAllAsync(_pool.AbortToken).ConfigureAwait(false))
            {
                await WriteHeldAsync(writer, chunk).ConfigureAwait(false);
            }

            if (writer.Held.Count > 0)
            {
                await WriteHeldAsync(writer, null).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // A writer that fails stops the others from waiting on a queue nobody reads, and the reader learns why.
            _queue.Writer.TryComplete(ex);
            throw;
        }
        finally
        {
            if (writer.Number != 1)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Streams a chunk into the writer's transaction (or, with none, commits what the writer holds); the chunk stays held
    /// (compacted) until its transaction commits. A transient failure (a lost connection, a busy database, a write over
    /// <see cref="WorkPoolOptions.AttemptTimeout"/>) costs a new connection and the held chunks written again on it, up to
    /// <see cref="WorkPoolOptions.Retries"/> times; after that it ends the load.
    /// </summary>
    private async Task WriteHeldAsync(Writer writer, RowChunk? chunk)
    {
        if (chunk is not null)
        {
            chunk.StartedTimestamp = _time.GetTimestamp();
            writer.Held.Enqueue(chunk);
        }

        var replay = false;
        for (var retry = 0; ; retry++)
        {
            try
            {
                var table = writer.Table ?? await ConnectAsync(writer).ConfigureAwait(false);
                if (replay)
                {
                    // Nothing held was committed: all of it goes again, oldest first, on the new connection.
                    foreach (var again in writer.Held.ToArray())
                    {
                        again.Attempts++;
                        Finish(writer, await LimitedAsync(token => table.AddAsync(again, _reject, token)).ConfigureAwait(false));
                    }
                }
                else if (chunk is not null)
                {
                    Finish(writer, await LimitedAsync(token => table.AddAsync(chunk, _reject, token)).ConfigureAwait(false));
                }

                if (chunk is null)
                {
                    Finish(writer, await LimitedAsync(token => table.CommitAsync(_reject, token)).ConfigureAwait(false));
                }
                else if (writer.Held.Contains(chunk))
                {
                    // Written, not yet committed (the oldest chunks finish first, so this one is still held).
                    chunk.Compact();
                }

                return;
            }
            catch (Exception ex) when (retry < _pool.Retries && writer.IsTransient(ex) && !_pool.AbortToken.IsCancellationRequested)
            {
                await writer.DropConnectionAsync().ConfigureAwait(false);
                await Task.Delay(Engine.RetryLoop.Backoff(_pool, retry), _time, _pool.AbortToken).ConfigureAwait(false);
                replay = true;
            }
        }
    }

    /// <summary>A write under the time limit of <see cref="WorkPoolOptions.AttemptTimeout"/>: over it, a <see cref="TimeoutException"/>.</summary>
    private async Task<int> LimitedAsync(Func<CancellationToken, Task<int>> write)
    {
        if (_pool.AttemptTimeout is not { } limit)
        {
            return await write(_pool.AbortToken).ConfigureAwait(false);
        }

        using var deadline = new CancellationTokenSource(limit, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _pool.AbortToken);
        try
        {
            return await write(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !_pool.AbortToken.IsCancellationRequested)
        {
            throw new TimeoutException($"a write to the database took longer than {Engine.DurationFormat.Format(limit)} (--timeout)");
        }
    }

    /// <summary>Opens the writer's connection and its table writer (reading the table's columns).</summary>
    private async Task<TableWriter> ConnectAsync(Writer writer)
    {
        writer.Sink = await _target.OpenAsync(_pool.AbortToken).ConfigureAwait(false);
        var table = Track(new TableWriter(writer.Sink, _options, _batchSize)
        {
            OverLimit = _pool.MaxFailures is { } max ? pending => Totals().Rejected + pending >= max : null,
        });
        await table.ReadTableAsync(_pool.AbortToken).ConfigureAwait(false);
        writer.Table = table;
        return table;
    }

    /// <summary>Reports and releases the oldest <paramref name="finished"/> chunks a writer holds: their transaction committed.</summary>
    private void Finish(Writer writer, int finished)
    {
        var now = _time.GetTimestamp();
        for (var i = 0; i < finished; i++)
        {
            var chunk = writer.Held.Dequeue();
            _results.Writer.TryWrite(Result(chunk, writer.Number, now));
            chunk.Release();
            _spare.Enqueue(chunk);
        }
    }

    private WorkResult<InsertItem, InsertResult> Result(RowChunk chunk, int writer, long now)
    {
        var item = new InsertItem(chunk.Source!, chunk.FirstLine, chunk.LastLine) { Records = chunk.Offered };
        var queueWait = _time.GetElapsedTime(chunk.QueuedTimestamp, chunk.StartedTimestamp);
        var runTime = _time.GetElapsedTime(chunk.StartedTimestamp, now);
        return new WorkResult<InsertItem, InsertResult>
        {
            Item = item,
            Key = item.Key,
            Index = chunk.Index,
            Value = new InsertResult { Stored = chunk.Offered - chunk.Rejected - chunk.NotLoaded, Rejected = chunk.Rejected, NotLoaded = chunk.NotLoaded },
            Error = chunk.Rejected == 0 && chunk.NotLoaded == 0 ? null
                : new WorkError(InsertResult.RejectedKind, $"{chunk.Rejected} of {chunk.Offered} records rejected{(chunk.NotLoaded > 0 ? $", {chunk.NotLoaded} not loaded (the limit of rejects was reached)" : string.Empty)}"),
            Attempts = chunk.Attempts,
            Worker = writer,
            ScheduledAt = chunk.QueuedAt,
            QueueWait = queueWait,
            RunTime = runTime,
            Latency = runTime,
        };
    }

    private static int CeilingDivide(int total, int parts) => (total + parts - 1) / parts;

    private TableWriter Track(TableWriter tableWriter)
    {
        lock (_gate)
        {
            _tableWriters.Add(tableWriter);
        }

        return tableWriter;
    }

    /// <summary>
    /// Blocks of records in input order: the input is read as chunks of whole records and parsed on every core
    /// through the engine while the writers write. For CSV, each source's header row is read first, in order.
    /// </summary>
    internal static async IAsyncEnumerable<RecordBlock> ParseAsync(
        IReadOnlyList<string> sources,
        InsertFormat format,
        InsertOptions options,
        Func<Stream> openStandardInput,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // JSON: lines, or the records of a JSON array (at --records-at), made into lines.
        var chunks = InputReader.ReadChunksAsync(
            sources,
            openStandardInput,
            ParseChunkBytes,
            quotedLineBreaks: format == InsertFormat.Csv,
            reshape: format == InsertFormat.Csv ? null : (name, stream) => JsonRecordsInput.Wrap(name, stream, options.RecordsAt),
            cancellationToken: cancellationToken);
        var flatten = options.Flatten;
        var parsers = Environment.ProcessorCount;
        var pool = new WorkPoolOptions { Concurrency = parsers, PreserveOrder = true, OrderWindow = parsers * 4 };
        var jobs = format == InsertFormat.Csv ? WithHeadersAsync(chunks, source => Delimiter(options, source)) : chunks.Select(chunk => new ParseJob(chunk, null, flatten));
        await foreach (var result in WorkPool.RunAsync(jobs, static (ParseJob job, CancellationToken _) => ValueTask.FromResult(job.Parse()), job => $"{job.Chunk.Source}:{job.Chunk.FirstLine}", pool, cancellationToken).ConfigureAwait(false))
        {
            if (result.Value is { } block)
            {
                yield return block;
            }
            else if (result.Error is { Kind: not WorkError.CancelledKind } error)
            {
                // Parsing never throws for bad input (a bad line is a record with an error), so this is a fault: stop loudly, never drop rows.
                throw new InvalidOperationException($"{result.Key}: parsing failed: {error.Message}");
            }
        }
    }

    /// <summary>The byte between a source's fields: --delimiter, else a tab for a .tsv file, else a comma.</summary>
    private static byte Delimiter(InsertOptions options, string source) =>
        options.Delimiter is { } chosen ? (byte)chosen
        : source.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) || source.EndsWith(".tsv.gz", StringComparison.OrdinalIgnoreCase) ? (byte)'\t'
        : (byte)',';

    /// <summary>Each CSV chunk with its source's header, taken from the source's first record.</summary>
    private static async IAsyncEnumerable<ParseJob> WithHeadersAsync(IAsyncEnumerable<TextChunk> chunks, Func<string, byte> delimiter)
    {
        CsvHeader? header = null;
        await foreach (var chunk in chunks.ConfigureAwait(false))
        {
            if (chunk.FirstLine == 1)
            {
                header = null;
            }

            if (header is not null)
            {
                yield return new ParseJob(chunk, header, Flatten: false);
                continue;
            }

            header = CsvParser.ReadHeader(chunk, delimiter(chunk.Source), out var rest);
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk.Bytes);
            if (header is not null && rest.Length > 0)
            {
                yield return new ParseJob(rest, header, Flatten: false);
            }
        }
    }

    /// <summary>One writer: its number (the worker slot of its results), its connection, and the chunks it holds uncommitted.</summary>
    private sealed class Writer(int number) : IAsyncDisposable
    {
        public int Number { get; } = number;

        public IInsertSink? Sink { get; set; }

        public TableWriter? Table { get; set; }

        public Queue<RowChunk> Held { get; } = new();

        /// <summary>Whether a failure is the connection's or the moment's, not the rows': worth a new connection and another try.</summary>
        public bool IsTransient(Exception exception) => exception switch
        {
            TimeoutException => true,
            System.Data.Common.DbException db when Sink is { } sink => sink.IsTransient(db),

            // The connection could not even be opened: the server may be back in a moment.
            System.Data.Common.DbException => Sink is null,
            _ => false,
        };

        /// <summary>Abandons the connection and its open transaction; the held chunks stay, to be written again.</summary>
        public async Task DropConnectionAsync()
        {
            if (Table is { } table)
            {
                Table = null;
                try
                {
                    await table.AbandonAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or InvalidOperationException)
                {
                    // The connection is gone already: nothing to roll back.
                }
            }

            await DisposeAsync().ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            if (Sink is { } sink)
            {
                Sink = null;
                try
                {
                    await sink.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or IOException)
                {
                    // A broken connection has nothing left to close.
                }
            }
        }
    }

    private sealed record ParseJob(TextChunk Chunk, CsvHeader? CsvHeader, bool Flatten)
    {
        public RecordBlock Parse() => CsvHeader is null ? RecordParser.ParseJson(Chunk, Flatten) : RecordParser.ParseCsv(Chunk, CsvHeader);
    }
}
