namespace Fanout.Engine;

/// <summary>Adapts a plain function to <see cref="IWorkHandler{TItem,TResult}"/>; any exception is worth a retry.</summary>
internal sealed class DelegateHandler<TItem, TResult>(
    Func<TItem, CancellationToken, ValueTask<TResult>> action,
    Func<TItem, string> keySelector) : IWorkHandler<TItem, TResult>
{
    public string GetKey(TItem item) => keySelector(item);

    public bool IsTransient(Exception exception) => true;

    public async ValueTask<AttemptOutcome<TResult>> HandleAsync(TItem item, AttemptContext context, CancellationToken cancellationToken) =>
        AttemptOutcome<TResult>.Success(await action(item, cancellationToken).ConfigureAwait(false));
}
