using System.Collections.Concurrent;
using System.Threading.Channels;
using Fanout.Database;

namespace Fanout.Cli;

/// <summary>
/// Batches to one or more writers. The first batch is written before any other (it creates the table);
/// after it, each writer has its own connection and takes batches from a bounded queue into its open
/// transaction, so PostgreSQL gets parallel COPY streams while the parsers stay at most a few batches ahead.
/// A writer holds its batches until their transaction commits, then releases them for reuse.
/// </summary>
internal sealed class InsertLoad(Func<CancellationToken, Task<IInsertSink>> openSink, InsertOptions options, int writers, CancellationToken cancellationToken, Action<RejectedRow> reject)
{
    private readonly List<Inserter> _inserters = [];
    private readonly Lock _gate = new();
    private readonly ConcurrentQueue<InsertBatch> _spare = new();
    private readonly Channel<InsertBatch> _queue = Channel.CreateBounded<InsertBatch>(Math.Max(1, writers));
    private Task? _workers;
    private Task<Inserter>? _first;
    private IInsertSink? _firstSink;

    /// <summary>The most rows one <see cref="InsertBatch"/> carries from the parsers to a writer.</summary>
    private const int MostBatchRows = 10_000;

    public readonly record struct Counts(long Inserted, long Updated, long Ignored, long Rejected)
    {
        public long Total => Inserted + Updated + Ignored + Rejected;
    }

    public Counts Totals(long parseRejected)
    {
        lock (_gate)
        {
            return new Counts(
                _inserters.Sum(i => i.Totals.Inserted),
                _inserters.Sum(i => i.Totals.Updated),
                _inserters.Sum(i => i.Totals.Ignored),
                _inserters.Sum(i => i.Totals.Rejected) + parseRejected);
        }
    }

    /// <summary>
    /// Rows per <see cref="InsertBatch"/>: a transaction (<see cref="InsertOptions.BatchSize"/> rows) streams in
    /// batches of at most 10,000 rows, evenly sized, so a writer starts on a transaction's first rows while the
    /// parsers read its last, and a large transaction is never one large buffer.
    /// </summary>
    public int BatchRows { get; } = CeilingDivide(options.BatchSize, CeilingDivide(options.BatchSize, MostBatchRows));

    /// <summary>An empty batch: one written before, when there is one (a batch's row list is large enough to be costly to allocate).</summary>
    public InsertBatch NewBatch() => _spare.TryDequeue(out var batch) ? batch : new InsertBatch(BatchRows);

    /// <summary>
    /// Writes the batch: the first at once (it creates the table), later ones through the queue. Each batch is released
    /// once its transaction commits (a failed transaction reads its batches again).
    /// </summary>
    public async Task WriteAsync(InsertBatch batch)
    {
        if (_workers is null)
        {
            var first = await Start();
            var held = new Queue<InsertBatch>();
            await AddAsync(first, held, batch);
            _workers = Task.WhenAll(Enumerable.Range(0, writers).Select(i => i == 0 ? WorkAsync(first, held) : WorkAsync(null, new Queue<InsertBatch>())));
            return;
        }

        if (batch.Count > 0)
        {
            await _queue.Writer.WriteAsync(batch, cancellationToken);
        }
        else
        {
            Recycle(batch);
        }
    }

    /// <summary>
    /// Connects the first writer and reads the table's columns, if it has not started yet: call it before parsing,
    /// so the database answers while the first batch is read (a connection and its first queries take ~0.15 s).
    /// </summary>
    /// <returns>The first writer's inserter.</returns>
    public Task<Inserter> Start() => _first ??= OpenFirstAsync();

    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            if (_workers is not null)
            {
                await _workers;
            }
        }
        finally
        {
            if (_firstSink is not null)
            {
                await _firstSink.DisposeAsync();
            }
        }
    }

    private async Task<Inserter> OpenFirstAsync()
    {
        _firstSink = await openSink(cancellationToken);
        var first = Track(new Inserter(_firstSink, options));
        await first.ReadTableAsync(cancellationToken);
        return first;
    }

    private async Task WorkAsync(Inserter? reuse, Queue<InsertBatch> held)
    {
        IInsertSink? own = null;
        try
        {
            Inserter? inserter = reuse;
            await foreach (var batch in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                if (inserter is null)
                {
                    own = await openSink(cancellationToken);
                    inserter = Track(new Inserter(own, options));
                }

                await AddAsync(inserter, held, batch);
            }

            if (inserter is not null)
            {
                Recycle(held, await inserter.CommitAsync(reject, cancellationToken));
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
                await own.DisposeAsync();
            }
        }
    }

    /// <summary>Streams a batch into the writer's transaction; it stays held (compacted) until that commits.</summary>
    private async Task AddAsync(Inserter inserter, Queue<InsertBatch> held, InsertBatch batch)
    {
        held.Enqueue(batch);
        Recycle(held, await inserter.AddAsync(batch, reject, cancellationToken));
        if (held.Count > 0)
        {
            // Written, not yet committed (the oldest batches finish first, so this one is still held).
            batch.Compact();
        }
    }

    /// <summary>Releases the oldest <paramref name="finished"/> batches a writer holds: their transaction committed.</summary>
    private void Recycle(Queue<InsertBatch> held, int finished)
    {
        for (var i = 0; i < finished; i++)
        {
            Recycle(held.Dequeue());
        }
    }

    private static int CeilingDivide(int total, int parts) => (total + parts - 1) / parts;

    private void Recycle(InsertBatch batch)
    {
        batch.Release();
        _spare.Enqueue(batch);
    }

    private Inserter Track(Inserter inserter)
    {
        lock (_gate)
        {
            _inserters.Add(inserter);
        }

        return inserter;
    }
}
