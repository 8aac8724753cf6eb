namespace Fanout.Engine;

internal sealed partial class WorkRun<TItem, TResult>
{
    /// <summary>
    /// Holds early finishers until every earlier item is out. The producer takes a window slot per item
    /// and a slot comes back only when its result is delivered, so at most the window is ever buffered.
    /// </summary>
    private async IAsyncEnumerable<WorkResult<TItem, TResult>> ReadInOrderAsync()
    {
        var early = new Dictionary<long, WorkResult<TItem, TResult>>();
        long next = 0;
        await foreach (var result in _output.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            early[result.Index] = result;
            while (early.Remove(next, out var ready))
            {
                next++;
                _orderWindow!.Release();
                yield return ready;
            }
        }

        // A stop leaves gaps (items queued but never started); deliver the rest in order all the same.
        foreach (var index in early.Keys.Order().ToList())
        {
            yield return early[index];
        }
    }
}
