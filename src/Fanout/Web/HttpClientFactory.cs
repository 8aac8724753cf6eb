using System.Net;

namespace Fanout.Web;

/// <summary>The one <see cref="HttpClient"/> a run shares (HTTP calls or downloads), configured for many concurrent requests.</summary>
internal static class HttpClientFactory
{
    /// <summary>The default time to open a connection (TCP and TLS).</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default number of redirects followed.</summary>
    public const int DefaultMaxRedirects = 10;

    /// <summary>The default lifetime of a pooled connection, so DNS changes are noticed on long runs.</summary>
    public static readonly TimeSpan DefaultPooledConnectionLifetime = TimeSpan.FromMinutes(2);

    /// <param name="maxConnectionsPerServer">Connections to one server at most: set it from the concurrency (the handler's own default is unlimited).</param>
    /// <param name="maxRedirects">Redirects followed; 0 for none.</param>
    /// <param name="connectTimeout">Time to open a connection.</param>
    /// <param name="pooledConnectionLifetime">Lifetime of a pooled connection.</param>
    /// <param name="trustRedirects">Send secret headers to other origins on redirects (see <see cref="RedirectHandler"/>).</param>
    public static HttpClient Create(int maxConnectionsPerServer, int maxRedirects, TimeSpan? connectTimeout = null, TimeSpan? pooledConnectionLifetime = null, bool trustRedirects = false)
    {
        var handler = new SocketsHttpHandler
        {
            // Unlimited by default: without this, -j 500 against one host opens 500 sockets.
            MaxConnectionsPerServer = maxConnectionsPerServer,
            PooledConnectionLifetime = pooledConnectionLifetime ?? DefaultPooledConnectionLifetime,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = connectTimeout ?? DefaultConnectTimeout,
            AutomaticDecompression = DecompressionMethods.All,
            // Redirects are followed by RedirectHandler, which decides what may go to another origin.
            AllowAutoRedirect = false,
            EnableMultipleHttp2Connections = true,
            UseCookies = false,
        };

        return new HttpClient(new RedirectHandler(handler, maxRedirects, trustRedirects), disposeHandler: true)
        {
            // The pool's per-attempt timeout covers connect, headers and the whole body; HttpClient's own
            // stops counting once headers arrive (ResponseHeadersRead), so it would leave bodies unbounded.
            Timeout = Timeout.InfiniteTimeSpan,
            // HTTP/2 when the server offers it over TLS, HTTP/1.1 otherwise.
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
    }
}
