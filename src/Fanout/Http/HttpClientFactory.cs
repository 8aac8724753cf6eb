using System.Net;

namespace Fanout.Http;

/// <summary>The one <see cref="HttpClient"/> a run shares, configured for many concurrent requests.</summary>
internal static class HttpClientFactory
{
    public static HttpClient Create(HttpJobOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            // Unlimited by default: without this, -j 500 against one host opens 500 sockets.
            MaxConnectionsPerServer = options.MaxConnectionsPerServer,
            PooledConnectionLifetime = options.PooledConnectionLifetime,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = options.ConnectTimeout,
            AutomaticDecompression = DecompressionMethods.All,
            AllowAutoRedirect = options.MaxRedirects > 0,
            MaxAutomaticRedirections = Math.Max(1, options.MaxRedirects),
            EnableMultipleHttp2Connections = true,
            UseCookies = false,
        };

        return new HttpClient(handler, disposeHandler: true)
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
