using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Fanout.Cli.Console;
using Fanout.Engine;
using Fanout.Queue;
using Fanout.Records;

namespace Fanout.Cli;

/// <summary>
/// <c>--queue DB#NAME</c>: a job's items leased from a shared PostgreSQL queue instead of read from its inputs. Leases
/// are taken a batch at a time, kept alive by a heartbeat every third of <c>--lease</c>, and each finished item's
/// result record is written back (fenced by the lease). Attempts count across workers: the local pool does not retry,
/// a failed item goes back to the queue until <c>--retries</c> + 1 attempts were made on any workers.
/// </summary>
internal sealed class QueueWork(PostgresWorkQueue queue, TimeSpan lease, int maxAttempts) : IAsyncDisposable
{
    private const int MaxBatch = 1000;
    private static readonly TimeSpan EmptyWait = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan BatchSpan = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LeaseAheadBelow = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan GatherWait = TimeSpan.FromMilliseconds(20);
    private const int GatherCount = 100;
    private const int WriteAttempts = 5;
    private readonly ConcurrentDictionary<string, QueueLease> _held = new(StringComparer.Ordinal);
    private readonly string _owner = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}");
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Threading.Channels.Channel<(string Key, QueueLease Lease, bool Ok, string Result)> _finished =
        System.Threading.Channels.Channel.CreateUnbounded<(string, QueueLease, bool, string)>();
    private Task? _heartbeat;
    private volatile QueueLease[] _waiting = [];
    private volatile IReadOnlyList<QueueLease> _ahead = [];
    private readonly MemoryStream _recordBytes = new();
    private RecordWriter? _record;
    private Task? _writer;
    private long _taken;

    /// <summary>The items of the queue, leased as the pool takes them, until the queue has nothing pending or leased.</summary>
    public async IAsyncEnumerable<TItem> ItemsAsync<TItem, TResult>(JobSpec<TItem, TResult> job, int batch, WorkStats stats, ProgressDisplay progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _heartbeat ??= HeartbeatAsync(_stop.Token);
        _writer ??= WriteBackAsync();
        // A batch is what the pool takes in about 100 ms (quick items: few round trips; slow items: a lost worker
        // strands few, and the end of the queue is shared evenly), at least `batch`, at most 1,000, at most doubling
        // from one batch to the next.
        var size = batch;
        var previous = 0;
        var taken = Stopwatch.StartNew();
        (Task<IReadOnlyList<QueueLease>> Leases, int Asked)? next = null;
        var unstarted = new Queue<QueueLease>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var asked = next?.Asked ?? size;
                var leases = await (next?.Leases ?? queue.LeaseAsync(_owner, size, lease, maxAttempts, cancellationToken));
                next = null;
                _ahead = [];
                if (leases.Count == 0)
                {
                    var counts = (await queue.StatusAsync(cancellationToken)).Counts;
                    if (counts.GetValueOrDefault("pending") + counts.GetValueOrDefault("leased") == 0)
                    {
                        yield break;
                    }

                    // Others hold the rest (or this worker does): theirs come back if their leases run out.
                    await Task.Delay(EmptyWait, cancellationToken);
                    if (_writer.IsFaulted)
                    {
                        // This worker's results cannot be written back: stop, its leases run out and others redo them.
                        await _writer;
                    }

                    previous = 0;
                    continue;
                }

                foreach (var leased in leases)
                {
                    unstarted.Enqueue(leased);
                }

                _waiting = [.. unstarted];
                // Quick items (the last batch went in under half a second): lease the next batch while this one is
                // worked, so the pool does not wait for the round trip; a full batch says more are likely there, a
                // short one was the end. Slow items do not lease ahead: near the end that would leave others idle.
                var quick = taken.Elapsed < LeaseAheadBelow;
                if (previous > 0)
                {
                    var rate = previous / Math.Max(taken.Elapsed.TotalSeconds, 0.001);
                    size = (int)Math.Clamp(rate * BatchSpan.TotalSeconds, batch, Math.Max(batch, Math.Min(size * 2, MaxBatch)));
                }

                previous = leases.Count;
                taken.Restart();
                if (quick && leases.Count == asked)
                {
                    next = (LeaseAheadAsync(size, cancellationToken), size);
                }

                while (unstarted.TryDequeue(out var held))
                {
                    TItem item;
                    try
                    {
                        // Line numbers count this worker's items ({#} in a --cmd template): the queue has no global order.
                        item = job.Parse!(new InputLine(queue.Name, ++_taken, held.Key))
                            ?? throw new InputFormatException($"{queue.Name}:{_taken}", "not an item here (a queue holds no CSV header: push rows as JSONL)");
                    }
                    catch (InputFormatException ex)
                    {
                        stats.AddInvalidInput();
                        progress.Message(Terminal.Escape($"{queue.Name}: {held.Key}: {ex.Reason}"));
                        await queue.FinishAsync(held, ok: false, Json(held.Key, ex.Reason), maxAttempts: 0, cancellationToken);
                        continue;
                    }

                    _held[job.Handler!.GetKey(item)] = held;
                    yield return item;
                }
            }
        }
        finally
        {
            // Stopped (Ctrl+C, --max-failures): what this worker leased but never started goes back to the queue now,
            // not when its lease runs out.
            _waiting = [];
            _ahead = [];
            if (next is { } late)
            {
                try
                {
                    foreach (var leased in await late.Leases)
                    {
                        unstarted.Enqueue(leased);
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or Npgsql.NpgsqlException or TimeoutException or IOException)
                {
                    // Never leased, or its leases run out in --lease.
                }
            }

            if (unstarted.Count > 0)
            {
                try
                {
                    await queue.ReleaseAsync([.. unstarted.Select(u => u.Token)], CancellationToken.None);
                }
                catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or IOException)
                {
                    // The database is gone: their leases run out in --lease and they come back then.
                }
            }
        }
    }

    /// <summary>Leases the next batch while the current one is worked; heartbeaten as soon as it is held.</summary>
    private async Task<IReadOnlyList<QueueLease>> LeaseAheadAsync(int size, CancellationToken cancellationToken)
    {
        var leases = await queue.LeaseAsync(_owner, size, lease, maxAttempts, cancellationToken);
        _ahead = leases;
        return leases;
    }

    /// <summary>Writes a finished item's result record back to the queue.</summary>
    public async Task FinishAsync<TItem, TResult>(WorkResult<TItem, TResult> result, Action<WorkResult<TItem, TResult>, IRecordFieldWriter> writeRecord)
    {
        if (!_held.TryGetValue(result.Key, out var held))
        {
            return;
        }

        // One writer for every result (results come one at a time, from the run's loop): a record is its JSON line.
        _record ??= RecordWriter.Create(OutputFormat.Jsonl, _recordBytes, leaveOpen: true);
        await _record.WriteAsync(result, writeRecord);
        await _record.FlushAsync();
        var record = System.Text.Encoding.UTF8.GetString(_recordBytes.GetBuffer(), 0, (int)_recordBytes.Length).TrimEnd('\n');
        _recordBytes.SetLength(0);
        // Written back in batches by WriteBackAsync; the lease stays held (and heartbeaten) until then.
        if (_writer is { IsFaulted: true })
        {
            await _writer;
        }

        await _finished.Writer.WriteAsync((result.Key, held, result.Ok, record));
    }

    /// <summary>Writes back what is left; a failure of the write-back (after its retries) is thrown here.</summary>
    public async Task CompleteAsync()
    {
        _finished.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_record is not null)
        {
            await _record.DisposeAsync();
        }

        _finished.Writer.TryComplete();
        if (_writer is not null)
        {
            // Reported by CompleteAsync or by the run's own failure (a stopped run's write-back is best effort).
            await _writer.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        await _stop.CancelAsync();
        if (_heartbeat is not null)
        {
            await _heartbeat.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        _stop.Dispose();
        await queue.DisposeAsync();
    }

    private static string Json(string key, string error)
    {
        using var buffer = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("key", key);
            json.WriteBoolean("ok", false);
            json.WriteString("error", error);
            json.WriteString("error_kind", "invalid_input");
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Writes finished items back a batch at a time (whatever has gathered in up to 20 ms, up to 1,000): one round trip
    /// per batch, tried again over about 10 s when the database cannot be reached. A result whose lease was lost (it ran
    /// past --lease without a heartbeat) is dropped by the queue: the item belongs to its next owner.
    /// </summary>
    private async Task WriteBackAsync()
    {
        var reader = _finished.Reader;
        var batch = new List<(string Key, QueueLease Lease, bool Ok, string Result)>();
        while (await reader.WaitToReadAsync())
        {
            // Quick items finish a few at a time: gather for a moment, so a round trip carries a batch, not a handful.
            if (reader.Count < GatherCount)
            {
                await Task.Delay(GatherWait);
            }

            while (batch.Count < 1000 && reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await queue.FinishManyAsync([.. batch.Select(b => (b.Lease, b.Ok, b.Result))], maxAttempts, CancellationToken.None);
                    break;
                }
                catch (Exception ex) when (attempt < WriteAttempts && ex is Npgsql.NpgsqlException or TimeoutException or IOException)
                {
                    // The database blinked: the leases are still held (heartbeat), so try the same batch again.
                    await Task.Delay(TimeSpan.FromSeconds(attempt));
                }
            }

            foreach (var done in batch)
            {
                // Only this lease: the item may be leased again already (a failure with attempts left).
                _held.TryRemove(new KeyValuePair<string, QueueLease>(done.Key, done.Lease));
            }

            batch.Clear();
        }
    }

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        var every = lease / 3;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, cancellationToken);
                // Leased and not started yet (the batch being handed out, and the one leased ahead) is held too.
                await queue.HeartbeatAsync([.. _held.Values.Select(h => h.Token).Concat(_waiting.Select(w => w.Token)).Concat(_ahead.Select(a => a.Token)).Distinct()], lease, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or IOException)
            {
                // A missed heartbeat is retried at the next beat; the lease is three beats long.
            }
        }
    }
}
