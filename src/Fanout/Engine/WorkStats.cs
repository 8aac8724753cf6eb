namespace Fanout.Engine;

/// <summary>
/// Running totals of a run, fed one result at a time; safe to read from a progress display while
/// workers feed it. Memory is constant whatever the number of items.
/// </summary>
public sealed class WorkStats
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly LatencyHistogram _latency = new();
    private readonly Dictionary<string, long> _errorsByKind = new(StringComparer.Ordinal);
    private TimeSpan? _wallTime;
    private long _succeeded;
    private long _skipped;
    private long _notStarted;
    private long _failed;
    private long _cancelled;
    private long _retried;
    private long _attempts;
    private long _invalidInputs;
    private TimeSpan _sumRunTime;

    /// <summary>Starts the wall clock.</summary>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public WorkStats(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _startTimestamp = _time.GetTimestamp();
    }

    /// <summary>Items that succeeded, skipped ones included.</summary>
    public long Succeeded { get { lock (_gate) { return _succeeded; } } }

    /// <summary>Items that succeeded with nothing to do (a file already complete, a test that skipped itself).</summary>
    public long Skipped { get { lock (_gate) { return _skipped; } } }

    /// <summary>Items read from the input but never started, because the run stopped (a failure limit, Ctrl+C).</summary>
    public long NotStarted { get { lock (_gate) { return _notStarted; } } }

    /// <summary>Items that failed (cancelled ones not included).</summary>
    public long Failed { get { lock (_gate) { return _failed; } } }

    /// <summary>Items cancelled by an abort or a failure limit before they finished.</summary>
    public long Cancelled { get { lock (_gate) { return _cancelled; } } }

    /// <summary>Input lines that could not be parsed into items.</summary>
    public long InvalidInputs { get { lock (_gate) { return _invalidInputs; } } }

    /// <summary>Items that needed more than one attempt.</summary>
    public long Retried { get { lock (_gate) { return _retried; } } }

    /// <summary>Attempts made over all items.</summary>
    public long Attempts { get { lock (_gate) { return _attempts; } } }

    /// <summary>Items with a result.</summary>
    public long Completed { get { lock (_gate) { return _succeeded + _failed + _cancelled; } } }

    /// <summary>Whether every item succeeded and every input line was valid.</summary>
    public bool AllSucceeded { get { lock (_gate) { return _failed == 0 && _cancelled == 0 && _invalidInputs == 0; } } }

    /// <summary>Wall time from construction to <see cref="Complete"/> (or to now, while running).</summary>
    public TimeSpan WallTime { get { lock (_gate) { return _wallTime ?? _time.GetElapsedTime(_startTimestamp); } } }

    /// <summary>Sum of item run times: roughly what a sequential run would have taken.</summary>
    public TimeSpan SumOfRunTimes { get { lock (_gate) { return _sumRunTime; } } }

    /// <summary>How many times faster than a sequential run (sum of run times over wall time).</summary>
    public double Speedup
    {
        get
        {
            var wall = WallTime;
            return wall <= TimeSpan.Zero ? 0 : SumOfRunTimes / wall;
        }
    }

    /// <summary>Completed items per second of wall time.</summary>
    public double Throughput
    {
        get
        {
            var wall = WallTime;
            return wall <= TimeSpan.Zero ? 0 : Completed / wall.TotalSeconds;
        }
    }

    /// <summary>Failures counted by <see cref="WorkError.Kind"/>, most frequent first.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ErrorsByKind
    {
        get
        {
            lock (_gate)
            {
                return [.. _errorsByKind.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Counts one result.</summary>
    /// <typeparam name="TItem">The work item type.</typeparam>
    /// <typeparam name="TResult">The result value type.</typeparam>
    /// <param name="result">The result.</param>
    public void Add<TItem, TResult>(WorkResult<TItem, TResult> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        lock (_gate)
        {
            _attempts += result.Attempts;
            if (result.Attempts > 1)
            {
                _retried++;
            }

            _sumRunTime += result.RunTime;
            _latency.Record(result.Latency);
            switch (result.Error)
            {
                case null:
                    _succeeded++;
                    _skipped += result.Skipped ? 1 : 0;
                    break;
                case { Kind: WorkError.CancelledKind }:
                    _cancelled++;
                    break;
                case var error:
                    _failed++;
                    _errorsByKind[error.Kind] = _errorsByKind.GetValueOrDefault(error.Kind) + 1;
                    break;
            }
        }
    }

    /// <summary>Counts one input line that could not be turned into an item.</summary>
    public void AddInvalidInput()
    {
        lock (_gate)
        {
            _invalidInputs++;
        }
    }

    /// <summary>Counts items read but never started.</summary>
    /// <param name="count">How many.</param>
    public void AddNotStarted(long count)
    {
        lock (_gate)
        {
            _notStarted += count;
        }
    }

    /// <summary>Stops the wall clock.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _wallTime ??= _time.GetElapsedTime(_startTimestamp);
        }
    }

    /// <summary>Runs <paramref name="read"/> on the latency histogram under the stats lock.</summary>
    /// <typeparam name="T">What is read.</typeparam>
    /// <param name="read">Reads the histogram; must not keep a reference to it.</param>
    /// <returns>What <paramref name="read"/> returned.</returns>
    public T ReadLatency<T>(Func<LatencyHistogram, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_gate)
        {
            return read(_latency);
        }
    }
}
