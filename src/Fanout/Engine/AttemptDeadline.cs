namespace Fanout.Engine;

/// <summary>
/// The per-attempt timeout token of one worker, reused across its attempts: a fresh token source
/// and timer per request cost a measurable share of CPU at tens of thousands of requests a second.
/// </summary>
internal sealed class AttemptDeadline(TimeProvider time) : IDisposable
{
    private CancellationTokenSource _source = new(Timeout.InfiniteTimeSpan, time);

    /// <summary>Arms the deadline; the returned token is cancelled on timeout or when <paramref name="abortToken"/> fires.</summary>
    public CancellationToken Start(TimeSpan timeout, CancellationToken abortToken, out CancellationTokenRegistration abortRegistration)
    {
        if (!_source.TryReset())
        {
            _source.Dispose();
            _source = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        }

        abortRegistration = abortToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _source);
        _source.CancelAfter(timeout);
        return _source.Token;
    }

    /// <summary>Disarms the deadline so a finished attempt's timer cannot fire into the next one.</summary>
    public void Stop() => _source.CancelAfter(Timeout.InfiniteTimeSpan);

    public void Dispose() => _source.Dispose();
}
