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
    private Task<TableWriter>? _first;
    private IInsertSink? _firstSink;
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
        ChunkRows = CeilingDivide(batchSize, CeilingDivide(batchSize, MostChunkRows));
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

            await foreach (var block in ParseAsync(sources, format, openStandardInput, stopToken).ConfigureAwait(false))
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
            _queue.Writer.TryComplete();
            _results.Writer.TryComplete(ex);
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
            var held = new Queue<RowChunk>();
            await AddAsync(first, 1, held, chunk).ConfigureAwait(false);
            _workers = Task.WhenAll(Enumerable.Range(0, _writers).Select(i => i == 0 ? WorkAsync(first, 1, held) : WorkAsync(null, i + 1, new Queue<RowChunk>())));
            return;
        }

        await _queue.Writer.WriteAsync(chunk, _pool.AbortToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Connects the first writer and reads the table's columns, if it has not started yet: call it before parsing,
    /// so the database answers while the first chunk is read (a connection and its first queries take ~0.15 s).
    /// </summary>
    private Task<TableWriter> Start() => _first ??= OpenFirstAsync();

    private async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            // With no rows at all, the database is still checked: an unreachable one is an error either way.
            await (_workers ?? Start()).ConfigureAwait(false);
        }
        finally
        {
            if (_firstSink is not null)
            {
                await _firstSink.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<TableWriter> OpenFirstAsync()
    {
        _firstSink = await _target.OpenAsync(_pool.AbortToken).ConfigureAwait(false);
        var first = Track(new TableWriter(_firstSink, _options, _batchSize));
        await first.ReadTableAsync(_pool.AbortToken).ConfigureAwait(false);
        return first;
    }

    private async Task WorkAsync(TableWriter? reuse, int writer, Queue<RowChunk> held)
    {
        IInsertSink? own = null;
        try
        {
            var tableWriter = reuse;
            await foreach (var chunk in _queue.Reader.ReadAllAsync(_pool.AbortToken).ConfigureAwait(false))
            {
                if (tableWriter is null)
                {
                    own = await _target.OpenAsync(_pool.AbortToken).ConfigureAwait(false);
                    tableWriter = Track(new TableWriter(own, _options, _batchSize));
                }

                await AddAsync(tableWriter, writer, held, chunk).ConfigureAwait(false);
            }

            if (tableWriter is not null)
            {
                Finish(held, writer, await tableWriter.CommitAsync(_reject, _pool.AbortToken).ConfigureAwait(false));
            }
        }
        catch
        {
            // A writer that fails stops the others from waiting on a queue nobody reads.
            _queue.Writer.TryComplete();
            throw;
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Streams a chunk into the writer's transaction; it stays held (compacted) until that commits.</summary>
    private async Task AddAsync(TableWriter tableWriter, int writer, Queue<RowChunk> held, RowChunk chunk)
    {
        chunk.StartedTimestamp = _time.GetTimestamp();
        held.Enqueue(chunk);
        Finish(held, writer, await tableWriter.AddAsync(chunk, _reject, _pool.AbortToken).ConfigureAwait(false));
        if (held.Count > 0)
        {
            // Written, not yet committed (the oldest chunks finish first, so this one is still held).
            chunk.Compact();
        }
    }

    /// <summary>Reports and releases the oldest <paramref name="finished"/> chunks a writer holds: their transaction committed.</summary>
    private void Finish(Queue<RowChunk> held, int writer, int finished)
    {
        var now = _time.GetTimestamp();
        for (var i = 0; i < finished; i++)
        {
            var chunk = held.Dequeue();
            _results.Writer.TryWrite(Result(chunk, writer, now));
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
            Value = new InsertResult { Stored = chunk.Offered - chunk.Rejected, Rejected = chunk.Rejected },
            Error = chunk.Rejected == 0 ? null : new WorkError(InsertResult.RejectedKind, $"{chunk.Rejected} of {chunk.Offered} records rejected"),
            Attempts = 1,
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
    private static async IAsyncEnumerable<RecordBlock> ParseAsync(
        IReadOnlyList<string> sources,
        InsertFormat format,
        Func<Stream> openStandardInput,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chunks = InputReader.ReadChunksAsync(sources, openStandardInput, ParseChunkBytes, quotedLineBreaks: format == InsertFormat.Csv, cancellationToken);
        var parsers = Environment.ProcessorCount;
        var pool = new WorkPoolOptions { Concurrency = parsers, PreserveOrder = true, OrderWindow = parsers * 4 };
        var jobs = format == InsertFormat.Csv ? WithHeadersAsync(chunks) : chunks.Select(static chunk => new ParseJob(chunk, null));
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

    /// <summary>Each CSV chunk with its source's header, taken from the source's first record.</summary>
    private static async IAsyncEnumerable<ParseJob> WithHeadersAsync(IAsyncEnumerable<TextChunk> chunks)
    {
        IReadOnlyList<string>? header = null;
        await foreach (var chunk in chunks.ConfigureAwait(false))
        {
            if (chunk.FirstLine == 1)
            {
                header = null;
            }

            if (header is not null)
            {
                yield return new ParseJob(chunk, header);
                continue;
            }

            header = CsvParser.ReadHeader(chunk, out var rest);
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk.Bytes);
            if (header is not null && rest.Length > 0)
            {
                yield return new ParseJob(rest, header);
            }
        }
    }

    private sealed record ParseJob(TextChunk Chunk, IReadOnlyList<string>? CsvHeader)
    {
        public RecordBlock Parse() => CsvHeader is null ? RecordParser.ParseJson(Chunk) : RecordParser.ParseCsv(Chunk, CsvHeader);
    }
}
