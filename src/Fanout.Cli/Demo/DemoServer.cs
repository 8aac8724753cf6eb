using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Fanout.Cli.Demo;

/// <summary>
/// A local server with endpoints that simulate slow APIs, for the demo and the benchmarks. Binds to
/// 127.0.0.1 only, on a random port unless one is given.
/// </summary>
internal static class DemoServer
{
    public static Task<LoopbackServer> StartAsync(int port = 0, CancellationToken cancellationToken = default) =>
        LoopbackServer.StartAsync(Map, port, cancellationToken);

    private static void Map(WebApplication app)
    {
        var flakyCounts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);

        // GET /delay/{ms}: a JSON API answering after ms milliseconds.
        app.MapGet("/delay/{ms:int}", async (int ms, HttpContext context) =>
        {
            if (ms > 0)
            {
                await Task.Delay(Math.Min(ms, 60_000), context.RequestAborted);
            }

            return Results.Json(new DelayAnswer(true, ms, context.Request.Path.Value, context.Request.QueryString.Value), DemoJson.Default.DelayAnswer);
        });

        // GET /capacity/{c}?ms=20&drop_after=N&drop_to=C2: a server that serves c requests at once (ms each), queues
        // more, and answers 503 beyond 3c in flight; its capacity drops to C2 after N requests.
        var servers = new ConcurrentDictionary<string, SimulatedServer>(StringComparer.Ordinal);
        app.MapGet("/capacity/{c:int}", async (int c, int? ms, int? drop_after, int? drop_to, HttpContext context) =>
        {
            var server = servers.GetOrAdd(SimulatedServer.Key(c, drop_after, drop_to), _ => new SimulatedServer(Math.Max(1, c), drop_after, Math.Max(1, drop_to ?? c)));
            return await server.ServeAsync(TimeSpan.FromMilliseconds(Math.Clamp(ms ?? 20, 0, 60_000)), context.RequestAborted)
                ? Results.Json(new StatusAnswer(200), DemoJson.Default.StatusAnswer)
                : Results.Json(new StatusAnswer(503), DemoJson.Default.StatusAnswer, statusCode: 503);
        });

        // GET /rate/{r}: at most r requests a second (a token bucket holding one second's worth); above it 429 with Retry-After: 1.
        var limits = new ConcurrentDictionary<int, SimulatedRateLimit>();
        app.MapGet("/rate/{r:int}", (int r, HttpContext context) =>
        {
            if (limits.GetOrAdd(Math.Max(1, r), rate => new SimulatedRateLimit(rate, TimeProvider.System)).TryTake())
            {
                return Results.Json(new StatusAnswer(200), DemoJson.Default.StatusAnswer);
            }

            context.Response.Headers.RetryAfter = "1";
            return Results.Json(new StatusAnswer(429), DemoJson.Default.StatusAnswer, statusCode: 429);
        });

        // GET /status/{code}: answers with that status.
        app.MapGet("/status/{code:int}", (int code) => Results.Json(new StatusAnswer(code), DemoJson.Default.StatusAnswer, statusCode: code));

        // GET /flaky/{failures}?id=X: the first `failures` calls per id answer 503 with Retry-After: 0.
        app.MapGet("/flaky/{failures:int}", (int failures, string? id, HttpContext context) =>
        {
            var seen = flakyCounts.AddOrUpdate(id ?? string.Empty, 1, (_, n) => n + 1);
            if (seen <= failures)
            {
                context.Response.Headers.RetryAfter = "0";
                return Results.Json(new FlakyAnswer(false, seen, "try again"), DemoJson.Default.FlakyAnswer, statusCode: 503);
            }

            return Results.Json(new FlakyAnswer(true, seen, null), DemoJson.Default.FlakyAnswer);
        });

        // GET /bytes/{n}?delay=ms: n bytes of binary data (streamed, any size), after an optional delay.
        app.MapGet("/bytes/{n:long}", async (long n, int? delay, HttpContext context) =>
        {
            if (delay is > 0)
            {
                await Task.Delay(Math.Min(delay.Value, 60_000), context.RequestAborted);
            }

            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = n;
            var block = new byte[1 << 16];
            for (long sent = 0; sent < n; sent += block.Length)
            {
                await context.Response.Body.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, n - sent)), context.RequestAborted);
            }
        });
    }
}

/// <summary>What /delay answers.</summary>
internal sealed record DelayAnswer(bool Ok, int DelayMs, string? Path, string? Query);

/// <summary>What /status answers.</summary>
internal sealed record StatusAnswer(int Status);

/// <summary>What /flaky answers: an error until the id has failed enough times.</summary>
internal sealed record FlakyAnswer(bool Ok, int Attempts, string? Error);

/// <summary>The demo server's JSON, generated at compile time (the native program has no reflection-based serializer).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DelayAnswer))]
[JsonSerializable(typeof(StatusAnswer))]
[JsonSerializable(typeof(FlakyAnswer))]
internal sealed partial class DemoJson : JsonSerializerContext;
