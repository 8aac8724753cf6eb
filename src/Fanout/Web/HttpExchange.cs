using Fanout.Engine;

namespace Fanout.Web;

/// <summary>One request and its response, the same way for HTTP calls and downloads.</summary>
internal static class HttpExchange
{
    /// <summary>
    /// Sends <paramref name="request"/> and hands the response (headers read, body not yet) to <paramref name="receive"/>,
    /// disposing it after; a failure to get a response is a network error worth another attempt.
    /// </summary>
    public static async ValueTask<AttemptOutcome<TResult>> SendAsync<TState, TResult>(
        HttpClient client,
        HttpRequestMessage request,
        TState state,
        Func<HttpResponseMessage, TState, CancellationToken, ValueTask<AttemptOutcome<TResult>>> receive,
        CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return HttpFailure.Network<TResult>(ex);
        }

        using (response)
        {
            return await receive(response, state, cancellationToken).ConfigureAwait(false);
        }
    }
}
