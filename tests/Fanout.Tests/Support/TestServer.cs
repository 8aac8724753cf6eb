using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Fanout.Tests.Support;

/// <summary>A real Kestrel server on 127.0.0.1 and a random port (the demo's <see cref="Fanout.Cli.Demo.LoopbackServer"/>), with endpoints for each behaviour the tests need.</summary>
public sealed class TestServer : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
    private Fanout.Cli.Demo.LoopbackServer? _server;

    public Uri BaseUrl { get; private set; } = null!;

    public string Url(string pathAndQuery) => new Uri(BaseUrl, pathAndQuery).ToString();

    public int Hits(string key) => _hits.GetValueOrDefault(key);

    public async Task InitializeAsync()
    {
        _server = await Fanout.Cli.Demo.LoopbackServer.StartAsync(Map);
        BaseUrl = _server.BaseUrl;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private void Map(WebApplication app)
    {

        // JSON with whitespace, to check bodies are embedded minified.
        app.MapGet("/json", () => Results.Text("{ \"hello\" : \"world\",\n  \"n\": [1, 2] }", "application/json"));
        app.MapGet("/text", () => Results.Text("plain text", "text/plain"));
        app.MapGet("/status/{code:int}", (int code) => Results.Text($"status {code}", "text/plain", statusCode: code));

        // First call per id answers 429 with Retry-After: {seconds}; later calls 200.
        app.MapGet("/retry-after/{id}", (string id, int? seconds, HttpContext context) =>
        {
            var hit = _hits.AddOrUpdate("retry-after/" + id, 1, (_, n) => n + 1);
            if (hit == 1)
            {
                context.Response.Headers.RetryAfter = (seconds ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Results.Text("slow down", statusCode: 429);
            }

            return Results.Text("ok");
        });

        // Counts calls per id; always 500.
        app.MapGet("/always-500/{id}", (string id) =>
        {
            _hits.AddOrUpdate("always-500/" + id, 1, (_, n) => n + 1);
            return Results.Text("broken", statusCode: 500);
        });

        app.MapGet("/slow/{ms:int}", async (int ms, HttpContext context) =>
        {
            await Task.Delay(ms, context.RequestAborted);
            return Results.Text("late");
        });

        // Headers and a first chunk at once, then nothing until the client gives up.
        app.MapGet("/stall-body", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("first part...", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        });

        // n bytes; with chunked=true no Content-Length is sent, so only the streaming check can catch it.
        app.MapGet("/bytes/{n:int}", async (int n, bool? chunked, HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            if (chunked != true)
            {
                context.Response.ContentLength = n;
            }

            var block = new byte[8192];
            for (var sent = 0; sent < n; sent += block.Length)
            {
                await context.Response.Body.WriteAsync(block.AsMemory(0, Math.Min(block.Length, n - sent)), context.RequestAborted);
            }
        });

        // GET /users/{id}: a JSON API of users for the API-testing recipes; ids 1..999 exist, others are 404; the
        // caller's Authorization is echoed as "auth" so a recipe can check its token went through.
        app.MapGet("/users/{id}", (string id, HttpContext context) =>
            int.TryParse(id, out var n) && n is >= 1 and <= 999
                ? Results.Json(new { id = n, name = $"user {n}", email = $"user{n}@example.test", auth = context.Request.Headers.Authorization.ToString() })
                : Results.Json(new { error = "no such user" }, statusCode: 404));

        app.MapGet("/headers", (HttpContext context) =>
            Results.Json(context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString())));

        app.MapPost("/echo", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            return Results.Json(new { method = context.Request.Method, content_type = context.Request.ContentType, body });
        });

        // The request body's exact bytes (base64), for checking that nothing rewrote them on the way.
        app.MapPost("/echo-bytes", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            return Results.Json(new { content_type = context.Request.ContentType, base64 = Convert.ToBase64String(buffer.ToArray()) });
        });

        MapDownloadEndpoints(app);
    }

    /// <summary>The content every download endpoint serves for a size: a repeatable, non-trivial byte pattern.</summary>
    public static byte[] Content(int size) => [.. Enumerable.Range(0, size).Select(i => (byte)((i * 7) % 251))];

    private void MapDownloadEndpoints(WebApplication app)
    {
        // Range requests honoured (206), as most static file servers do.
        app.MapGet("/files/{size:int}/{name}", (int size, string name) => Results.File(Content(size), "application/octet-stream", enableRangeProcessing: true));

        // Range requests ignored: always the whole file with 200.
        app.MapGet("/norange/{size:int}", (int size) => Results.File(Content(size), "application/octet-stream", enableRangeProcessing: false));

        app.MapGet("/typed/{type}/{subtype}", (string type, string subtype) => Results.File(Content(100), $"{type}/{subtype}"));

        // Content-Disposition straight from the query, hostile names included.
        app.MapGet("/disposition", (HttpContext context) =>
        {
            context.Response.Headers.ContentDisposition = context.Request.Query["cd"].ToString();
            return Results.File(Content(50), "application/octet-stream");
        });

        // The first request per id sends half the body and drops the connection; later ones honour Range.
        app.MapGet("/interrupt/{id}/{size:int}", async (string id, int size, HttpContext context) =>
        {
            var hit = _hits.AddOrUpdate("interrupt/" + id, 1, (_, n) => n + 1);
            _ranges.Enqueue(context.Request.Headers.Range.ToString());
            if (hit == 1)
            {
                context.Response.ContentLength = size;
                await context.Response.Body.WriteAsync(Content(size).AsMemory(0, size / 2));
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            }

            await Results.File(Content(size), "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(context);
        });

        // Declares more bytes than it sends, then ends the response cleanly.
        app.MapGet("/short", async (HttpContext context) =>
        {
            context.Response.ContentLength = 1000;
            await context.Response.Body.WriteAsync(Content(400));
            await context.Response.Body.FlushAsync();
            context.Abort();
        });

        // Sends some bytes, then nothing.
        app.MapGet("/stall", async (HttpContext context) =>
        {
            context.Response.ContentLength = 1000;
            await context.Response.Body.WriteAsync(Content(100), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        });

        // 500 on the first call per id, then the file.
        app.MapGet("/fail-once/{id}", (string id) =>
            _hits.AddOrUpdate("fail-once/" + id, 1, (_, n) => n + 1) == 1 ? Results.Text("boom", statusCode: 500) : Results.File(Content(300), "application/octet-stream"));

        // A gallery of 3 pages (issue 19): mixed types, one broken link (404). The next page is named three ways: in the
        // body (/gallery-pages: paging.next, a URL), by a cursor (/gallery-cursor: paging.cursor), by a Link header
        // (/gallery-linked). Files are counted by id in Hits("gallery-file/ID").
        object[][] pages =
        [
            [new { id = 1, type = "image/jpeg", title = "cat", link = "/gallery-file/1?size=100" }, new { id = 2, type = "video/mp4", title = "clip", link = "/gallery-file/2?size=200" }],
            [new { id = 3, type = "image/png", title = "dog", link = "/gallery-file/3?size=300" }, new { id = 4, type = "image/png", title = "gone", link = "/status/404" }],
            [new { id = 5, type = "image/gif", title = "bird", link = "/gallery-file/5?size=500" }, new { id = 6, type = "image/gif", title = "../../escape/x", link = "/gallery-file/6?size=60" }],
        ];
        app.MapGet("/gallery-pages", (int? page) =>
        {
            var n = page ?? 1;
            return Results.Json(new { data = pages[n - 1], paging = new { next = n < pages.Length ? $"/gallery-pages?page={n + 1}" : null } });
        });
        app.MapGet("/gallery-cursor", (string? cursor) =>
        {
            var n = cursor is null ? 1 : int.Parse(cursor[1..], System.Globalization.CultureInfo.InvariantCulture);
            return Results.Json(new { data = pages[n - 1], paging = new { cursor = n < pages.Length ? $"c{n + 1}" : string.Empty } });
        });
        app.MapGet("/gallery-linked", (int? page, HttpContext context) =>
        {
            var n = page ?? 1;
            if (n < pages.Length)
            {
                context.Response.Headers.Append("Link", $"</gallery-linked?page=1>; rel=\"first\", </gallery-linked?page={n + 1}>; rel=\"next\"");
            }

            return Results.Json(new { data = pages[n - 1] });
        });
        app.MapGet("/gallery-file/{id}", (string id, int size) =>
        {
            _hits.AddOrUpdate("gallery-file/" + id, 1, (_, n) => n + 1);
            return Results.File(Content(size), "application/octet-stream");
        });

        // A gallery listing, as image APIs return them; links are relative to this server.
        app.MapGet("/gallery", () => Results.Json(new
        {
            data = new object[]
            {
                new { id = 1, type = "image/jpeg", nsfw = false, link = "/files/100/cat.jpg" },
                new { id = 2, type = "video/mp4", nsfw = false, link = "/files/200/clip.mp4" },
                new { id = 3, type = "image/png", nsfw = true, link = "/files/300/hidden.png" },
                new { id = 4, type = "image/png", nsfw = false, link = "/files/400/dog.png" },
            },
        }));
    }

    private readonly ConcurrentQueue<string> _ranges = new();

    /// <summary>The Range headers the interrupt endpoint received, in order.</summary>
    public IReadOnlyList<string> Ranges => [.. _ranges];

    public static JsonElement ParseJson(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
