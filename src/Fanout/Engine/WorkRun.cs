using System.Threading.Channels;
using System.Threading.RateLimiting;

namespace Fanout.Engine;

/// <summary>One execution of <see cref="WorkPool.RunAsync{TItem,TResult}(IAsyncEnumerable{TItem},IWorkHandler{TItem,TResult},WorkPoolOptions,CancellationToken)"/>.</summary>
internal sealed partial class WorkRun<TItem, TResult>
{
    private readonly IAsyncEnumerable<TItem> _items;
    private readonly IWorkHandler<TItem, TResult> _handler;
    private readonly WorkPoolOptions _options;
    private readonly TimeProvider _time;

    // Three separate stops: no new items (Ctrl+C, failure limit), cancel running items (second Ctrl+C,
    // failure limit), and the consumer has gone (it stopped enumerating, so nobody reads results).
    private readonly CancellationTokenSource _stopIntake;
    private readonly CancellationTokenSource _abortItems;
    private readonly CancellationTokenSource _consumerGone = new();

    // Capacity = concurrency: enough to keep every worker busy, never the whole input in memory.
    private readonly Channel<Pending> _input;
    private readonly Channel<WorkResult<TItem, TResult>> _output;
    private readonly PartitionedRateLimiter<string>? _partitionLimiter;
    private readonly WorkerSlots? _slots;
    private readonly SemaphoreSlim? _orderWindow;
    private int _failures;

    public WorkRun(IAsyncEnumerable<TItem> items, IWorkHandler<TItem, TResult> handler, WorkPoolOptions options, CancellationToken stopIntake)
    {
        _items = items;
        _handler = handler;
        _options = options;
        _time = options.TimeProvider;
        _stopIntake = CancellationTokenSource.CreateLinkedTokenSource(stopIntake);
        _abortItems = CancellationTokenSource.CreateLinkedTokenSource(options.AbortToken);
        _input = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.Workers) { SingleWriter = true });
        _output = Channel.CreateBounded<WorkResult<TItem, TResult>>(new BoundedChannelOptions(options.Workers * 2) { SingleReader = true });
        options.Auto?.Start(_time);
        _slots = options.Auto is null ? null : new WorkerSlots(options.Workers);
        if (options.PerPartitionConcurrency is { } perPartition)
        {
            _partitionLimiter = PartitionedRateLimiter.Create<string, string>(partition =>
                RateLimitPartition.GetConcurrencyLimiter(partition, _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = perPartition,
                    QueueLimit = int.MaxValue,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                }));
        }

        if (options.PreserveOrder)
        {
            var window = Math.Max(options.OrderWindow, options.Workers);
            _orderWindow = new SemaphoreSlim(window, window);
        }
    }

    public async IAsyncEnumerable<WorkResult<TItem, TResult>> ReadAllAsync()
    {
        var producer = Task.Run(ProduceAsync);
        var workers = new Task[_options.Workers];
        for (var i = 0; i < workers.Length; i++)
        {
            var worker = i + 1;
            workers[i] = Task.Run(() => WorkAsync(worker));
        }

        var completion = CompleteOutputAsync(producer, workers);
        try
        {
            var results = _orderWindow is null ? _output.Reader.ReadAllAsync() : ReadInOrderAsync();
            await foreach (var result in results.ConfigureAwait(false))
            {
                yield return result;
            }

            await completion.ConfigureAwait(false);
        }
        finally
        {
            // Reached early only when the consumer stopped reading: stop everything so no task is left behind.
            await _stopIntake.CancelAsync().ConfigureAwait(false);
            await _consumerGone.CancelAsync().ConfigureAwait(false);
            if (!completion.IsCompleted)
            {
                await _abortItems.CancelAsync().ConfigureAwait(false);
            }

            await completion.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            _partitionLimiter?.Dispose();
            _orderWindow?.Dispose();
            _stopIntake.Dispose();
            _abortItems.Dispose();
            _consumerGone.Dispose();
        }
    }

    private async Task CompleteOutputAsync(Task producer, Task[] workers)
    {
        Exception? failure = null;
        try
        {
            await producer.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The input broke (an unreadable file, say): keep the results already started, then report it.
            failure = ex;
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        _output.Writer.TryComplete(failure);
    }

    private async Task ProduceAsync()
    {
        var token = _stopIntake.Token;
        var origin = _time.GetTimestamp();
        var originUtc = _time.GetUtcNow();
        var interval = _options.RatePerSecond is { } rate ? TimeSpan.FromSeconds(1 / rate) : (TimeSpan?)null;
        long index = 0;
        try
        {
            await foreach (var item in _items.WithCancellation(token).ConfigureAwait(false))
            {
                var key = _handler.GetKey(item);
                if (_options.Shard is { } shard && !shard.Contains(key))
                {
                    continue;
                }

                if (_orderWindow is not null)
                {
                    await _orderWindow.WaitAsync(token).ConfigureAwait(false);
                }

                long scheduledTimestamp;
                DateTimeOffset scheduledAt;
                if (interval is { } step)
                {
                    // Each item has a fixed slot (origin + index * step). Latency is measured from the slot,
                    // not from when a worker got round to it, so a slow server cannot hide behind fewer
                    // requests (coordinated omission).
                    var due = step * index;
                    var wait = due - _time.GetElapsedTime(origin);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _time, token).ConfigureAwait(false);
                    }

                    scheduledTimestamp = origin + (long)(due.TotalSeconds * _time.TimestampFrequency);
                    scheduledAt = originUtc + due;
                }
                else
                {
                    scheduledTimestamp = _time.GetTimestamp();
                    scheduledAt = _time.GetUtcNow();
                }

                await _input.Writer.WriteAsync(new Pending(item, key, index, scheduledTimestamp, scheduledAt), token).ConfigureAwait(false);
                index++;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Asked to stop taking items: what was started still finishes.
        }
        finally
        {
            _input.Writer.TryComplete();
        }
    }

    private async Task WorkAsync(int worker)
    {
        var reader = _input.Reader;
        var stop = _stopIntake.Token;
        using var deadline = new AttemptDeadline(_time);
        try
        {
            while (await reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                while (!stop.IsCancellationRequested && reader.TryRead(out var pending))
                {
                    var result = await RunItemAsync(pending, worker, deadline).ConfigureAwait(false);
                    await _output.Writer.WriteAsync(result, _consumerGone.Token).ConfigureAwait(false);
                    // A full disk stops the run as the failure limit does: every other item would fill the same disk.
                    if (result.Error is { Kind: WorkError.DiskFullKind }
                        || (result.Error is { Kind: not WorkError.CancelledKind }
                            && _options.MaxFailures is { } maxFailures
                            && Interlocked.Increment(ref _failures) >= maxFailures))
                    {
                        await _stopIntake.CancelAsync().ConfigureAwait(false);
                        await _abortItems.CancelAsync().ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested || _consumerGone.IsCancellationRequested)
        {
            // Stopping: this worker takes no more items.
        }
    }

    private async Task<WorkResult<TItem, TResult>> RunItemAsync(Pending pending, int worker, AttemptDeadline deadline)
    {
        var state = new ItemState(this, pending, _handler.GetAttemptTimeout(pending.Item) ?? _options.AttemptTimeout);
        RateLimitLease? lease = null;
        AutoConcurrency.Permit? permit = null;
        var slot = 0;
        var startTimestamp = _time.GetTimestamp();
        AttemptOutcome<TResult> outcome;
        try
        {
            if (_partitionLimiter is not null && _handler.GetPartition(pending.Item) is { } partition)
            {
                lease = await _partitionLimiter.AcquireAsync(partition, 1, _abortItems.Token).ConfigureAwait(false);
            }

            if (_options.Auto is { } auto)
            {
                // A stop (first Ctrl+C) ends the wait too: an item still waiting for a permit has not started.
                using var waiting = CancellationTokenSource.CreateLinkedTokenSource(_abortItems.Token, _stopIntake.Token);
                permit = await auto.AcquireAsync(_handler.GetPartition(pending.Item) ?? string.Empty, waiting.Token).ConfigureAwait(false);
                state.Permit = permit;
                slot = _slots!.Take();
                worker = slot;
            }

            // Waiting for a partition permit is queueing, not work: the run time starts once it is held.
            startTimestamp = _time.GetTimestamp();
            var retries = _handler.GetRetries(pending.Item) ?? _options.Retries;
            outcome = await RetryLoop.RunAsync(state, static (s, token) => s.Run.AttemptAsync(s, token), _options, retries, state.Timeout, deadline, _abortItems.Token, _stopIntake.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_abortItems.IsCancellationRequested)
        {
            outcome = AttemptOutcome<TResult>.Failure(new WorkError(WorkError.CancelledKind, "cancelled before it finished"), state.LastValue);
        }
        catch (OperationCanceledException) when (permit is null && _options.Auto is not null && _stopIntake.IsCancellationRequested)
        {
            outcome = AttemptOutcome<TResult>.Failure(new WorkError(WorkError.CancelledKind, "not started: the run was stopped while it waited for its place (-j auto)"));
        }
        finally
        {
            if (slot > 0)
            {
                _slots!.Return(slot);
            }

            permit?.Dispose();
            lease?.Dispose();
        }

        var runTime = _time.GetElapsedTime(startTimestamp);
        var queueWait = _time.GetElapsedTime(pending.ScheduledTimestamp, startTimestamp);
        return new WorkResult<TItem, TResult>
        {
            Item = pending.Item,
            Key = pending.Key,
            Index = pending.Index,
            Value = outcome.Value,
            Error = outcome.Error,
            Skipped = outcome.Skipped && outcome.Error is null,
            Attempts = Math.Max(state.Attempts, 1),
            Worker = worker,
            ScheduledAt = pending.ScheduledAt,
            QueueWait = queueWait < TimeSpan.Zero ? TimeSpan.Zero : queueWait,
            RunTime = runTime,
            Latency = _options.RatePerSecond is null ? runTime : queueWait + runTime,
        };
    }

    private async ValueTask<AttemptOutcome<TResult>> AttemptAsync(ItemState state, CancellationToken token)
    {
        var attempt = ++state.Attempts;
        var started = _time.GetTimestamp();
        AttemptOutcome<TResult> outcome;
        try
        {
            outcome = await _handler.HandleAsync(state.Pending.Item, new AttemptContext(state.Pending.Key, state.Pending.Index, attempt) { Timeout = state.Timeout }, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The retry loop tells a timeout from an abort by which of its tokens fired. A timeout is overload.
            if (!_abortItems.IsCancellationRequested)
            {
                state.Permit?.Sample(_time.GetElapsedTime(started), overload: true);
            }

            throw;
        }
        catch (Exception ex)
        {
            outcome = AttemptOutcome<TResult>.Failure(WorkError.FromException(ex), isTransient: _handler.IsTransient(ex) && !WorkError.IsDiskFull(ex));
        }

        if (state.Permit is { } held)
        {
            // A transient failure (429, 503, a refused or reset connection) says "too much"; Retry-After pauses the partition.
            held.Sample(_time.GetElapsedTime(started), outcome.Error is not null && outcome.IsTransient);
            if (outcome.RetryAfter is { } retryAfter && retryAfter > TimeSpan.Zero)
            {
                held.Pause(retryAfter > _options.MaxRetryAfter ? _options.MaxRetryAfter : retryAfter);
            }
        }

        state.LastValue = _handler.MergeAttempts(state.LastValue, outcome.Value);
        return outcome with { Value = state.LastValue };
    }

    private sealed record Pending(TItem Item, string Key, long Index, long ScheduledTimestamp, DateTimeOffset ScheduledAt);

    private sealed class ItemState(WorkRun<TItem, TResult> run, Pending pending, TimeSpan? timeout)
    {
        public WorkRun<TItem, TResult> Run { get; } = run;

        public Pending Pending { get; } = pending;

        public TimeSpan? Timeout { get; } = timeout;

        public int Attempts { get; set; }

        public TResult? LastValue { get; set; }

        public AutoConcurrency.Permit? Permit { get; set; }
    }
}
