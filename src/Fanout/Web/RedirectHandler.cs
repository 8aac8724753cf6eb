using System.Net;

namespace Fanout.Web;

/// <summary>
/// Follows redirects itself (the socket handler's own are off), so that what goes to another origin is decided here:
/// on a redirect to another scheme, host or port the secret headers (<see cref="RequestHeader.Secret"/>: Authorization,
/// Cookie, Proxy-Authorization and every header built from an environment variable) are dropped, unless the redirects
/// are trusted (curl's <c>--location-trusted</c>). 301, 302 and 303 turn a POST into a GET without a body, as browsers and
/// curl do; 307 and 308 keep the method and body. More than the limit is a failure of its own
/// (<see cref="HttpRequestError.ConfigurationLimitExceeded"/>), never a 3xx taken for an answer. A redirect from https
/// to http is not followed: the 3xx is the answer.
/// </summary>
internal sealed class RedirectHandler(HttpMessageHandler inner, int maxRedirects, bool trusted) : DelegatingHandler(inner)
{
    /// <summary>The names of the secret headers of a request (set by <see cref="Apply"/>).</summary>
    private static readonly HttpRequestOptionsKey<HashSet<string>> SecretNames = new("fanout.secret-headers");

    /// <summary>
    /// Adds headers to a request (content headers to its content, so set the content first), remembering which are
    /// secret: the shared ones (<c>-H</c>) except those the request's own replace by name, then the request's own.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="shared">Headers for every request.</param>
    /// <param name="own">This request's headers.</param>
    public static void Apply(HttpRequestMessage request, IReadOnlyList<RequestHeader> shared, IReadOnlyList<RequestHeader> own)
    {
        var replaced = new HashSet<string>(own.Select(h => h.Name), StringComparer.OrdinalIgnoreCase);
        var secret = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var contentSet = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in shared.Where(h => !replaced.Contains(h.Name)).Concat(own))
        {
            if (!request.Headers.TryAddWithoutValidation(header.Name, header.Value) && request.Content is { } content)
            {
                // A content header given replaces what the content set itself (a guessed Content-Type).
                if (contentSet.Add(header.Name))
                {
                    content.Headers.Remove(header.Name);
                }

                content.Headers.TryAddWithoutValidation(header.Name, header.Value);
            }

            if (header.Secret || RequestHeader.IsCredential(header.Name))
            {
                secret.Add(header.Name);
            }
        }

        request.Options.Set(SecretNames, secret);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var current = request;
        for (var redirects = 0; ; redirects++)
        {
            var response = await base.SendAsync(current, cancellationToken).ConfigureAwait(false);
            if (maxRedirects == 0 || Target(current, response) is not { } target)
            {
                return response;
            }

            if (redirects == maxRedirects)
            {
                response.Dispose();
                throw new HttpRequestException(HttpRequestError.ConfigurationLimitExceeded, $"too many redirects (more than {maxRedirects}, --max-redirects); the last pointed to {target}");
            }

            var status = response.StatusCode;
            response.Dispose();
            current = Follow(current, target, status, sameOrigin: SameOrigin(current.RequestUri!, target) || trusted);
        }
    }

    /// <summary>Where a redirect points, when it is one to follow.</summary>
    private static Uri? Target(HttpRequestMessage request, HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect)
            || response.Headers.Location is not { } location)
        {
            return null;
        }

        var target = location.IsAbsoluteUri ? location : new Uri(request.RequestUri!, location);
        if (target.Scheme is not ("http" or "https") || (request.RequestUri!.Scheme == "https" && target.Scheme == "http"))
        {
            return null;
        }

        // A fragment of the original URL carries over when the new one has none (RFC 9110, 10.2.2).
        return target.Fragment.Length == 0 && request.RequestUri.Fragment.Length > 0 ? new UriBuilder(target) { Fragment = request.RequestUri.Fragment[1..] }.Uri : target;
    }

    private static HttpRequestMessage Follow(HttpRequestMessage previous, Uri target, HttpStatusCode status, bool sameOrigin)
    {
        var becomesGet = status is HttpStatusCode.SeeOther ? previous.Method != HttpMethod.Head
            : status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found && previous.Method == HttpMethod.Post;
        var next = new HttpRequestMessage(becomesGet ? HttpMethod.Get : previous.Method, target)
        {
            Version = previous.Version,
            VersionPolicy = previous.VersionPolicy,
            Content = becomesGet ? null : previous.Content,
        };
        previous.Options.TryGetValue(SecretNames, out var secret);
        foreach (var (name, values) in previous.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || (!sameOrigin && secret is not null && secret.Contains(name)))
            {
                continue;
            }

            next.Headers.TryAddWithoutValidation(name, values);
        }

        if (secret is not null)
        {
            next.Options.Set(SecretNames, secret);
        }

        if (becomesGet && previous.Content is { } dropped)
        {
            dropped.Dispose();
        }

        return next;
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;
}
