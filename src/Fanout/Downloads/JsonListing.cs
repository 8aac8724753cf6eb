using System.Text.Json;
using Fanout.Web;

namespace Fanout.Downloads;

/// <summary>The downloads an API's JSON listing names (see <see cref="Downloader.ListAsync"/>).</summary>
internal static class JsonListing
{
    private static readonly TimeSpan FetchLimit = TimeSpan.FromSeconds(60);

    public static async Task<IReadOnlyList<DownloadItem>> FetchAsync(HttpClient client, Uri listing, string path, IReadOnlyList<string> conditions, IReadOnlyList<RequestHeader> headers, Action<string> skipped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listing);
        using var request = new HttpRequestMessage(HttpMethod.Get, listing);
        RedirectHandler.Apply(request, headers, []);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(FetchLimit);
        JsonDocument document;
        try
        {
            using var response = await client.SendAsync(request, limit.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidDataException($"{listing} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(limit.Token).ConfigureAwait(false), cancellationToken: limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new InvalidDataException($"could not read {listing}: {(ex is OperationCanceledException ? $"no answer in {FetchLimit.TotalSeconds:0} s" : HttpFailure.Describe(ex))}", ex);
        }

        using (document)
        {
            var items = new List<DownloadItem>();
            var links = JsonLinks.Select(document.RootElement, path, conditions);
            if (links.Count == 0 && JsonLinks.ExplainNothing(document.RootElement, path, conditions) is { } why)
            {
                // Nothing selected from a listing that has entries is a path or a condition that does not fit it.
                throw new FormatException(why);
            }

            foreach (var link in links)
            {
                try
                {
                    // Relative links are resolved against the listing's URL, as a browser would.
                    var absolute = Uri.TryCreate(listing, link, out var resolved) ? resolved.ToString() : link;
                    items.Add(new DownloadItem(WebUrl.Parse(absolute)) { InputText = absolute });
                }
                catch (FormatException ex)
                {
                    skipped($"{listing}: {ex.Message}; skipped");
                }
            }

            return items;
        }
    }
}
