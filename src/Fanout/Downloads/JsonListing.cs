using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fanout.Records;
using Fanout.Web;

namespace Fanout.Downloads;

/// <summary>How a JSON listing is read (<c>download --from-json</c>): its pages, names and metadata.</summary>
public sealed record ListingOptions
{
    /// <summary>Pages read at most; the default of <c>--max-pages</c>.</summary>
    public const int DefaultMaxPages = 100;

    /// <summary>
    /// Where the next page is named in each page (<c>--next paging.next</c>): a URL (absolute or relative to the page), or
    /// a cursor, which goes into the first page's URL as the query parameter named like the path's last key. Null:
    /// the next page is the <c>Link: &lt;...&gt;; rel="next"</c> header (RFC 8288) when a page sends one.
    /// </summary>
    public string? Next { get; init; }

    /// <summary>Pages read at most (a listing that never ends is cut there, with a message).</summary>
    public int MaxPages { get; init; } = DefaultMaxPages;

    /// <summary>
    /// The file name from the entry's fields (<c>--name '{id}.{ext}'</c>); <c>{ext}</c> is the extension of the entry's
    /// <c>type</c> (or <c>mime_type</c>, <c>content_type</c>) when it is a known media type, else of the link's path.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>Whether each file gets its listing entry beside it as <c>NAME.json</c> (<c>--metadata</c>).</summary>
    public bool Metadata { get; init; }
}

/// <summary>The downloads an API's JSON listing names, page after page (what <c>download --from-json</c> reads).</summary>
internal static partial class JsonListing
{
    private static readonly TimeSpan FetchLimit = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["image/jpeg"] = "jpg", ["image/png"] = "png", ["image/gif"] = "gif", ["image/webp"] = "webp", ["image/svg+xml"] = "svg",
        ["video/mp4"] = "mp4", ["video/webm"] = "webm", ["audio/mpeg"] = "mp3", ["application/pdf"] = "pdf",
        ["application/json"] = "json", ["text/plain"] = "txt", ["text/csv"] = "csv", ["application/zip"] = "zip",
    };

    public static async Task<IReadOnlyList<DownloadItem>> FetchAsync(HttpClient client, Uri listing, string path, IReadOnlyList<string> conditions, IReadOnlyList<RequestHeader> headers, ListingOptions options, Action<string> skipped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listing);
        var nextPath = options.Next is null ? null : JsonPath.Split(options.Next, "paging.next");
        var items = new List<DownloadItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Uri? page = listing;
        for (var number = 1; page is not null; number++)
        {
            if (!seen.Add(page.AbsoluteUri))
            {
                skipped($"{listing}: page {number} would be {page} again; stopped there");
                break;
            }

            if (number > options.MaxPages)
            {
                skipped($"{listing}: stopped after {options.MaxPages} pages (--max-pages); the listing goes on at {page}");
                break;
            }

            var (document, link) = await FetchPageAsync(client, page, headers, cancellationToken).ConfigureAwait(false);
            using (document)
            {
                var entries = JsonLinks.SelectEntries(document.RootElement, path, conditions);
                if (entries.Count == 0 && number == 1 && JsonLinks.ExplainNothing(document.RootElement, path, conditions) is { } why)
                {
                    // Nothing selected from a listing that has entries is a path or a condition that does not fit it.
                    throw new FormatException(why);
                }

                foreach (var (text, entry) in entries)
                {
                    try
                    {
                        items.Add(Item(page, text, entry, options));
                    }
                    catch (FormatException ex)
                    {
                        skipped($"{page}: {ex.Message}; skipped");
                    }
                }

                page = nextPath is not null ? NextFromDocument(document.RootElement, nextPath, listing, page) : link;
            }
        }

        return items;
    }

    private static DownloadItem Item(Uri page, string link, JsonElement? entry, ListingOptions options)
    {
        // Relative links are resolved against the page's URL, as a browser would.
        var absolute = Uri.TryCreate(page, link, out var resolved) ? resolved.ToString() : link;
        var url = WebUrl.Parse(absolute);
        return new DownloadItem(url)
        {
            InputText = absolute,
            Name = options.Name is { } template ? Name(template, entry, url) : null,
            Metadata = options.Metadata && entry is { } holder ? holder.GetRawText() : null,
        };
    }

    /// <summary>The name template filled from the entry's fields (sanitised later, as every name is).</summary>
    private static string Name(string template, JsonElement? entry, Uri url) =>
        FieldTemplate.Fill(template, field =>
        {
            if (entry is { ValueKind: JsonValueKind.Object } holder && holder.TryGetProperty(field, out var value) && value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Null))
            {
                // A listing's value is one name segment: its slashes and dots cannot make a path ('{album}/{id}' can).
                return FileNames.Sanitize(value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText());
            }

            if (field == "ext")
            {
                var type = entry is { ValueKind: JsonValueKind.Object } e
                    ? new[] { "type", "mime_type", "content_type", "mimetype" }.Select(n => e.TryGetProperty(n, out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null).FirstOrDefault(t => t is not null)
                    : null;
                var fromPath = Path.GetExtension(url.AbsolutePath).TrimStart('.');
                return type is not null && Extensions.TryGetValue(type.Split(';')[0].Trim(), out var known) ? known
                    : fromPath.Length > 0 ? fromPath
                    : "bin";
            }

            throw new FormatException($"--name: the entry has no field '{field}'");
        });

    private static Uri? NextFromDocument(JsonElement root, string[] nextPath, Uri listing, Uri page)
    {
        var found = JsonPath.Find(root, nextPath).FirstOrDefault();
        var value = found.ValueKind switch
        {
            JsonValueKind.String => found.GetString(),
            JsonValueKind.Number => found.GetRawText(),
            _ => null,
        };
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (value.Contains("://", StringComparison.Ordinal) || value.StartsWith('/') || value.StartsWith('?'))
        {
            return Uri.TryCreate(page, value, out var next) ? WebUrl.Parse(next.ToString()) : null;
        }

        // A cursor: into the first page's URL, as the parameter named like the path's last key (paging.cursor -> cursor=).
        var name = nextPath[^1].TrimEnd('[', ']');
        var builder = new UriBuilder(listing);
        var query = builder.Query.TrimStart('?');
        var kept = query.Split('&', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith(name + "=", StringComparison.Ordinal));
        builder.Query = string.Join('&', kept.Append($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(value)}"));
        return builder.Uri;
    }

    private static async Task<(JsonDocument Document, Uri? Next)> FetchPageAsync(HttpClient client, Uri page, IReadOnlyList<RequestHeader> headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, page);
        RedirectHandler.Apply(request, headers, []);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(FetchLimit);
        try
        {
            using var response = await client.SendAsync(request, limit.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidDataException($"{page} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(limit.Token).ConfigureAwait(false), cancellationToken: limit.Token).ConfigureAwait(false);
            return (document, response.Headers.TryGetValues("Link", out var links) ? LinkNext(page, links) : null);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new InvalidDataException($"could not read {page}: {(ex is OperationCanceledException ? string.Create(CultureInfo.InvariantCulture, $"no answer in {FetchLimit.TotalSeconds:0} s") : HttpFailure.Describe(ex))}", ex);
        }
    }

    /// <summary>The <c>rel="next"</c> target of RFC 8288 Link headers, resolved against the page.</summary>
    internal static Uri? LinkNext(Uri page, IEnumerable<string> headers)
    {
        foreach (Match link in LinkValue().Matches(string.Join(',', headers)))
        {
            var rels = link.Groups[2].Value.Split(';').Select(p => p.Trim()).Where(p => p.StartsWith("rel=", StringComparison.OrdinalIgnoreCase))
                .SelectMany(p => p[4..].Trim('"').Split(' ', StringSplitOptions.RemoveEmptyEntries));
            if (rels.Contains("next", StringComparer.OrdinalIgnoreCase) && Uri.TryCreate(page, link.Groups[1].Value.Trim(), out var next))
            {
                return WebUrl.Parse(next.ToString());
            }
        }

        return null;
    }

    [GeneratedRegex(@"<([^>]*)>((?:\s*;\s*[^;,]+)*)")]
    private static partial Regex LinkValue();
}
