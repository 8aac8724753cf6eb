using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Xunit;

namespace Fanout.Tests.Faults;

/// <summary>
/// Two Kestrel servers on 127.0.0.1 (two ports: two origins) that misbehave on purpose: never answer, reset mid-body,
/// lie about lengths, never end, redirect in loops and to the other origin, change a file between requests. Each
/// records the requests it got, so a test can say what reached it (a header, a smuggled request).
/// </summary>
public sealed class HostileServer : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> _versions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _down = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
    private Fanout.Cli.Demo.LoopbackServer? _main;
    private Fanout.Cli.Demo.LoopbackServer? _other;

    /// <summary>The requests each origin received: path and query, and the headers (lower-case names).</summary>
    public ConcurrentQueue<(string Origin, string Path, Dictionary<string, string> Headers)> Requests { get; } = new();

    public string Url(string pathAndQuery) => new Uri(_main!.BaseUrl, pathAndQuery).ToString();

    /// <summary>A URL on the second origin (another port).</summary>
    public string OtherUrl(string pathAndQuery) => new Uri(_other!.BaseUrl, pathAndQuery).ToString();

    public int Hits(string path) => _hits.GetValueOrDefault(path);

    /// <summary>The content of version <paramref name="version"/> of a versioned file: the same length, other bytes.</summary>
    public static byte[] Versioned(int version, int size) => [.. Enumerable.Range(0, size).Select(i => (byte)((i * 7 + version * 13) % 251))];

    /// <summary>Serves the next version of <c>/versioned/{name}</c> from now on.</summary>
    public void Bump(string name) => _versions.AddOrUpdate(name, 2, (_, v) => v + 1);

    /// <summary>Takes <c>/sometimes/{name}</c> down (503) or up.</summary>
    public void SetDown(string name, bool down) => _down[name] = down;

    public async Task InitializeAsync()
    {
        _main = await Fanout.Cli.Demo.LoopbackServer.StartAsync(app => Map(app, "main"));
        _other = await Fanout.Cli.Demo.LoopbackServer.StartAsync(app => Map(app, "other"));
    }

    public async Task DisposeAsync()
    {
        foreach (var server in new[] { _main, _other })
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    private void Map(WebApplication app, string origin)
    {
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path + context.Request.QueryString;
            Requests.Enqueue((origin, path, context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString())));
            _hits.AddOrUpdate(context.Request.Path, 1, (_, n) => n + 1);
            await next(context);
        });

        // Accepts the request and never answers.
        app.MapGet("/never-answer", async (HttpContext context) => await Task.Delay(Timeout.Infinite, context.RequestAborted));

        // Redirects to itself forever.
        app.MapGet("/loop", () => Results.Redirect("/loop"));

        // Redirects to any URL (the other origin, say) with the status asked for.
        app.MapMethods("/redirect", ["GET", "POST"], (string to, int? code) => Results.Redirect(to, permanent: code is 301 or 308, preserveMethod: code is 307 or 308));

        // What a request carried.
        app.MapGet("/headers", (HttpContext context) => Results.Json(context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString())));

        // Counted, and never meant to be reached: a request smuggled inside a header would land here.
        app.MapGet("/smuggled", () => Results.Text("smuggled"));

        // A file of the same length whose content changes with its version (Bump), with an ETag and If-Range honoured.
        // The first request for a version sends half and drops the connection, leaving a part to resume.
        app.MapGet("/versioned/{name}", async (string name, int size, HttpContext context) =>
        {
            var version = _versions.GetOrAdd(name, 1);
            var content = Versioned(version, size);
            var first = _hits.AddOrUpdate($"versioned/{name}/{version}", 1, (_, n) => n + 1) == 1;
            if (first)
            {
                context.Response.ContentLength = size;
                context.Response.Headers.ETag = $"\"v{version}\"";
                await context.Response.Body.WriteAsync(content.AsMemory(0, size / 2));
                await context.Response.Body.FlushAsync();
                // Time for the client to take the half in before the reset (a reset can discard what it had not read).
                await Task.Delay(300);
                context.Abort();
                return;
            }

            await Results.File(content, "application/octet-stream", enableRangeProcessing: true, entityTag: new EntityTagHeaderValue($"\"v{version}\"")).ExecuteAsync(context);
        });

        // Fails with 503 while down.
        app.MapGet("/sometimes/{name}", (string name, int size) =>
            _down.GetValueOrDefault(name) ? Results.Text("down", statusCode: 503) : Results.File(Versioned(name.Length, size), "application/octet-stream"));

        // Plain files of a size, the content a function of the id.
        app.MapGet("/file/{id}/{size:int}", (string id, int size) => Results.File(Versioned(id.Length + 100, size), "application/octet-stream", enableRangeProcessing: true));

        // A body that never ends.
        app.MapGet("/endless", async (HttpContext context) =>
        {
            var chunk = new byte[16 * 1024];
            while (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        });

        // Says 10,000 bytes, sends 4,000 and ends the response cleanly.
        app.MapGet("/lying", async (HttpContext context) =>
        {
            context.Response.ContentLength = 10_000;
            await context.Response.Body.WriteAsync(new byte[4_000]);
            await context.Response.Body.FlushAsync();
            context.Abort();
        });

        // Always overloaded, asking for a long wait.
        app.MapGet("/busy", (HttpContext context) =>
        {
            context.Response.Headers.RetryAfter = "120";
            return Results.Text("busy", statusCode: 503);
        });

        // Text with terminal control sequences in it.
        app.MapGet("/escapes", () => Results.Text("\u001b[2J\u001b[31mred\u0007 and \u009b1m", "text/plain"));
    }
}
