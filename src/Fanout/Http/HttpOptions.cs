namespace Fanout.Http;

/// <summary>What the HTTP job sends and how it treats responses. Pool settings (concurrency, retries, timeout, rate) are in <see cref="Engine.WorkPoolOptions"/>.</summary>
public sealed record HttpOptions
{
    /// <summary>The default largest response body accepted: 10 MiB.</summary>
    public const long DefaultMaxBodyBytes = 10L * 1024 * 1024;

    /// <summary>The default number of redirects followed.</summary>
    public const int DefaultMaxRedirects = Web.HttpClientFactory.DefaultMaxRedirects;

    /// <summary>The default time to open a connection (TCP and TLS).</summary>
    public static readonly TimeSpan DefaultConnectTimeout = Web.HttpClientFactory.DefaultConnectTimeout;

    /// <summary>The default lifetime of a pooled connection, so DNS changes are noticed on long runs.</summary>
    public static readonly TimeSpan DefaultPooledConnectionLifetime = Web.HttpClientFactory.DefaultPooledConnectionLifetime;

    /// <summary>Method for plain URL lines (JSONL specs may name their own).</summary>
    /// <value>Default <c>GET</c>.</value>
    public string Method { get; init; } = "GET";

    /// <summary>Headers sent with every request, already expanded; JSONL specs add to or override them.</summary>
    /// <value>Default none.</value>
    public IReadOnlyList<Web.RequestHeader> Headers { get; init; } = [];

    /// <summary>Body sent, byte for byte, with every request that has none of its own.</summary>
    /// <value>Default none.</value>
    public ReadOnlyMemory<byte>? Body { get; init; }

    /// <summary>Largest response body accepted; a longer one fails the request and is never buffered whole.</summary>
    /// <value>Default <see cref="DefaultMaxBodyBytes"/> (10 MiB).</value>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <summary>How bodies appear in results.</summary>
    /// <value>Default <see cref="HttpBodyMode.Auto"/>.</value>
    public HttpBodyMode BodyMode { get; init; } = HttpBodyMode.Auto;

    /// <summary>Directory to save every response body to, one file per request; <see langword="null"/> to save none.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public string? SaveBodiesDirectory { get; init; }

    /// <summary>Redirects followed before giving up.</summary>
    /// <value>Default <see cref="DefaultMaxRedirects"/> (10).</value>
    public int MaxRedirects { get; init; } = DefaultMaxRedirects;

    /// <summary>Send secret headers (credentials, headers built from environment variables) on redirects to other origins too.</summary>
    /// <value>Default <see langword="false"/>: they are dropped, as curl drops Authorization without --location-trusted.</value>
    public bool TrustRedirects { get; init; }

    /// <summary>Largest number of connections to one server. Set it from the concurrency (or the per-host limit): the handler's own default is unlimited.</summary>
    /// <value>Default <see cref="Engine.WorkPoolOptions.DefaultConcurrency"/>.</value>
    public int MaxConnectionsPerServer { get; init; } = Engine.WorkPoolOptions.DefaultConcurrency;

    /// <summary>Time to open a connection.</summary>
    /// <value>Default <see cref="DefaultConnectTimeout"/> (10 s).</value>
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    /// <summary>Lifetime of a pooled connection.</summary>
    /// <value>Default <see cref="DefaultPooledConnectionLifetime"/> (2 min).</value>
    public TimeSpan PooledConnectionLifetime { get; init; } = DefaultPooledConnectionLifetime;

    /// <summary>Expectations every response must meet (<c>--expect</c>); a status expectation replaces the status &lt; 400 rule.</summary>
    public IReadOnlyList<HttpCheck> Checks { get; init; } = [];

    /// <summary>Values taken out of each JSON response into its record (<c>--extract</c>).</summary>
    public IReadOnlyList<HttpExtract> Extract { get; init; } = [];

    /// <summary>Requests made from data rows (<c>--url</c> with <c>{field}</c> placeholders); null for URL and spec lines.</summary>
    public HttpTemplate? Template { get; init; }
}
