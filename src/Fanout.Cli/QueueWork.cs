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
    private readonly ConcurrentDictionary<string, QueueLease> _held = new(StringComparer.Ordinal);
    private readonly string _owner = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}");
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Threading.Channels.Channel<(string Key, QueueLease Lease, bool Ok, string Result)> _finished =
        System.Threading.Channels.Channel.CreateUnbounded<(string, QueueLease, bool, string)>(new() { SingleReader = true });
    private Task? _heartbeat;
    private Task? _writer;
    private long _taken;

    /// <summary>The items of the queue, leased as the pool takes them, until the queue has nothing pending or leased.</summary>
    public async IAsyncEnumerable<TItem> ItemsAsync<TItem, TResult>(JobSpec<TItem, TResult> job, int batch, WorkStats stats, ProgressDisplay progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _heartbeat ??= HeartbeatAsync(_stop.Token);
        _writer ??= WriteBackAsync();
        // The batch grows while the pool takes a whole batch in under 100 ms (quick items: fewer round trips) and
        // shrinks when one lasts over a second (slow items: a lost worker strands fewer).
        var size = batch;
        var taken = Stopwatch.StartNew();
        while (!cancellationToken.IsCancellationRequested)
        {
            size = taken.Elapsed < TimeSpan.FromMilliseconds(100) ? Math.Min(size * 2, MaxBatch)
                : taken.Elapsed > TimeSpan.FromSeconds(1) ? Math.Max(size / 2, batch)
                : size;
            var leases = await queue.LeaseAsync(_owner, size, lease, maxAttempts, cancellationToken);
            taken.Restart();
            if (leases.Count == 0)
            {
                var counts = (await queue.StatusAsync(cancellationToken)).Counts;
                if (counts.GetValueOrDefault("pending") + counts.GetValueOrDefault("leased") == 0)
                {
                    yield break;
                }

                // Others hold the rest (or this worker does): theirs come back if their leases run out.
                await Task.Delay(EmptyWait, cancellationToken);
                continue;
            }

            foreach (var held in leases)
            {
                TItem item;
                try
                {
                    // Line numbers count this worker's items ({#} in a --cmd template): the queue has no global order.
                    item = job.Parse!(new InputLine(queue.Name, ++_taken, held.Key));
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

    /// <summary>Writes a finished item's result record back to the queue.</summary>
    public async Task FinishAsync<TItem, TResult>(WorkResult<TItem, TResult> result, Action<WorkResult<TItem, TResult>, IRecordFieldWriter> writeRecord)
    {
        if (!_held.TryGetValue(result.Key, out var held))
        {
            return;
        }

        using var buffer = new MemoryStream();
        await using (var writer = RecordWriter.Create(OutputFormat.Jsonl, buffer, leaveOpen: true))
        {
            await writer.WriteAsync(result, writeRecord);
        }

        var record = System.Text.Encoding.UTF8.GetString(buffer.ToArray()).TrimEnd('\n');
        // Written back in batches by WriteBackAsync; the lease stays held (and heartbeaten) until then.
        await _finished.Writer.WriteAsync((result.Key, held, result.Ok, record));
    }

    public async ValueTask DisposeAsync()
    {
        _finished.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer;
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
    /// Writes finished items back a batch at a time (whatever has gathered since the last write, up to 1,000): one
    /// round trip per batch. A result whose lease was lost (it ran past --lease without a heartbeat) is dropped by the
    /// queue: the item belongs to its next owner.
    /// </summary>
    private async Task WriteBackAsync()
    {
        var reader = _finished.Reader;
        var batch = new List<(string Key, QueueLease Lease, bool Ok, string Result)>();
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < 1000 && reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            await queue.FinishManyAsync([.. batch.Select(b => (b.Lease, b.Ok, b.Result))], maxAttempts, CancellationToken.None);
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
                await queue.HeartbeatAsync([.. _held.Values.Select(h => h.Token)], lease, cancellationToken);
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
