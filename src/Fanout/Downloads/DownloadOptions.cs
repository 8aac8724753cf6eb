namespace Fanout.Downloads;

/// <summary>Where and how files are downloaded. Pool settings (concurrency, retries, per-host limit) are in <see cref="Engine.WorkPoolOptions"/>.</summary>
public sealed record DownloadOptions
{
    /// <summary>The default time a download may go without receiving a byte.</summary>
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default per-host limit: polite by default on a long list from one host.</summary>
    public const int DefaultPerHost = 8;

    /// <summary>The directory files are written to; nothing is ever written outside it.</summary>
    public required string Directory { get; init; }

    /// <summary>Headers sent with every request, already expanded.</summary>
    /// <value>Default none.</value>
    public IReadOnlyList<Web.RequestHeader> Headers { get; init; } = [];

    /// <summary>Send secret headers (credentials, headers built from environment variables) on redirects to other origins too.</summary>
    /// <value>Default <see langword="false"/>: they are dropped, as curl drops Authorization without --location-trusted.</value>
    public bool TrustRedirects { get; init; }

    /// <summary>Replace an existing file of the same name instead of choosing <c>name (1).ext</c>.</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool Overwrite { get; init; }

    /// <summary>Skip a download whose file is already complete (same size as the server's, and same sha256 when one is given).</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool SkipExisting { get; init; } = true;

    /// <summary>Media types accepted (<c>image/jpeg</c>, <c>image/*</c>); others fail before anything is written. Empty accepts all.</summary>
    /// <value>Default empty.</value>
    public IReadOnlyList<string> Accept { get; init; } = [];

    /// <summary>Largest file accepted, checked against Content-Length first and while streaming.</summary>
    /// <value>Default <see langword="null"/> (no limit).</value>
    public long? MaxSize { get; init; }

    /// <summary>Overall download speed limit in bytes per second, shared by all downloads.</summary>
    /// <value>Default <see langword="null"/> (no limit).</value>
    public long? LimitRate { get; init; }

    /// <summary>Fail (and retry) a download that receives no byte for this long.</summary>
    /// <value>Default <see cref="DefaultStallTimeout"/> (30 s).</value>
    public TimeSpan StallTimeout { get; init; } = DefaultStallTimeout;

    /// <summary>Largest number of connections to one server.</summary>
    /// <value>Default <see cref="DefaultPerHost"/>.</value>
    public int MaxConnectionsPerServer { get; init; } = DefaultPerHost;
}
