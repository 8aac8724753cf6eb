using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Fanout.Tests.Support;

/// <summary>A real Kestrel server on 127.0.0.1 and a random port, with endpoints for each behaviour the tests need.</summary>
public sealed class TestServer : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
    private WebApplication? _app;

    public Uri BaseUrl { get; private set; } = null!;

    public string Url(string pathAndQuery) => new Uri(BaseUrl, pathAndQuery).ToString();

    public int Hits(string key) => _hits.GetValueOrDefault(key);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();

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

        app.MapGet("/headers", (HttpContext context) =>
            Results.Json(context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString())));

        app.MapPost("/echo", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            return Results.Json(new { method = context.Request.Method, content_type = context.Request.ContentType, body });
        });

        await app.StartAsync();
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public static JsonElement ParseJson(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
