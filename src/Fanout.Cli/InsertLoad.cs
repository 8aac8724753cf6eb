using System.Collections.Concurrent;
using System.Threading.Channels;
using Fanout.Database;

namespace Fanout.Cli;

/// <summary>
/// Batches to one or more writers. The first batch is written before any other (it creates the table);
/// after it, each writer has its own connection and takes batches from a bounded queue, so PostgreSQL
/// gets parallel COPY streams while the parsers stay at most a few batches ahead.
/// </summary>
internal sealed class InsertLoad(Func<CancellationToken, Task<IInsertSink>> openSink, InsertOptions options, int writers, CancellationToken cancellationToken, Action<RejectedRow> reject)
{
    private readonly List<Inserter> _inserters = [];
    private readonly Lock _gate = new();
    private readonly ConcurrentQueue<InsertBatch> _spare = new();
    private readonly Channel<InsertBatch> _queue = Channel.CreateBounded<InsertBatch>(Math.Max(1, writers));
    private Task? _workers;
    private IInsertSink? _firstSink;

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

    /// <summary>An empty batch: one written before, when there is one (a batch's row list is large enough to be costly to allocate).</summary>
    public InsertBatch NewBatch() => _spare.TryDequeue(out var batch) ? batch : new InsertBatch(options.BatchSize);

    /// <summary>Writes the batch (the first at once, later ones through the queue) and then releases it.</summary>
    public async Task WriteAsync(InsertBatch batch)
    {
        if (_workers is null)
        {
            _firstSink = await openSink(cancellationToken);
            var first = Track(new Inserter(_firstSink, options));
            await first.WriteAsync(batch, reject, cancellationToken);
            Recycle(batch);
            _workers = Task.WhenAll(Enumerable.Range(0, writers).Select(i => WorkAsync(i == 0 ? first : null)));
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

    private async Task WorkAsync(Inserter? reuse)
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

                await inserter.WriteAsync(batch, reject, cancellationToken);

                // Only after a write that succeeded: a failed one may still be read while the load stops.
                Recycle(batch);
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
