using System.Net;
using System.Net.Sockets;
using Fanout.Engine;
using Fanout.Http;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Http;

public sealed class HttpCallerTests(TestServer server) : IClassFixture<TestServer>
{
    private async Task<List<WorkResult<HttpItem, HttpResult>>> RunAsync(IEnumerable<string> paths, HttpOptions? options = null, WorkPoolOptions? pool = null)
    {
        using var caller = new HttpCaller(options ?? new HttpOptions());
        var items = paths.Select(p => new HttpItem("GET", new Uri(p.StartsWith("http", StringComparison.Ordinal) ? p : server.Url(p))));
        var results = new List<WorkResult<HttpItem, HttpResult>>();
        await foreach (var result in WorkPool.RunAsync(items, caller, pool ?? new WorkPoolOptions { AttemptTimeout = TimeSpan.FromSeconds(10) }))
        {
            results.Add(result);
        }

        return results;
    }

    [Fact]
    public async Task HandleAsync_statuses_200_404_500_set_status_and_ok()
    {
        var results = await RunAsync(["/status/200", "/status/404", "/status/500"]);

        var byStatus = results.ToDictionary(r => r.Value!.StatusCode);
        Assert.True(byStatus[200].Ok);
        Assert.False(byStatus[404].Ok);
        Assert.Equal(404, byStatus[404].Error!.StatusCode);
        Assert.Equal("HTTP 404 Not Found", byStatus[404].Error!.Message);
        Assert.Equal(HttpCaller.HttpErrorKind, byStatus[500].Error!.Kind);
        Assert.Equal("status 500", byStatus[500].Value!.Body);
    }

    [Fact]
    public async Task HandleAsync_json_body_is_embedded_minified()
    {
        var result = Assert.Single(await RunAsync(["/json"]));

        Assert.True(result.Value!.BodyIsJson);
        Assert.Equal("{\"hello\":\"world\",\"n\":[1,2]}", result.Value.Body);
        Assert.Equal("application/json", result.Value.ContentType);
    }

    [Fact]
    public async Task HandleAsync_429_with_retry_after_waits_then_succeeds()
    {
        var id = Guid.NewGuid().ToString("N");
        var result = Assert.Single(await RunAsync([$"/retry-after/{id}?seconds=1"], pool: new WorkPoolOptions { Retries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(1) }));

        Assert.True(result.Ok);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, server.Hits("retry-after/" + id));
        // The backoff alone would have waited about a millisecond; Retry-After: 1 asked for a second.
        Assert.True(result.RunTime >= TimeSpan.FromSeconds(0.95), $"retried after {result.RunTime}");
    }

    [Fact]
    public async Task HandleAsync_500_is_retried_but_404_is_not()
    {
        var id = Guid.NewGuid().ToString("N");
        var results = await RunAsync([$"/always-500/{id}", "/status/404"], pool: new WorkPoolOptions { Retries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(1) });

        Assert.Equal(3, results.Single(r => r.Value!.StatusCode == 500).Attempts);
        Assert.Equal(3, server.Hits("always-500/" + id));
        Assert.Equal(1, results.Single(r => r.Value!.StatusCode == 404).Attempts);
    }

    [Fact]
    public async Task HandleAsync_slow_response_past_timeout_fails_with_timeout()
    {
        var result = Assert.Single(await RunAsync(["/slow/5000"], pool: new WorkPoolOptions { AttemptTimeout = TimeSpan.FromMilliseconds(300) }));

        Assert.Equal(WorkError.TimeoutKind, result.Error!.Kind);
        Assert.True(result.RunTime < TimeSpan.FromSeconds(3), $"took {result.RunTime}");
    }

    [Fact]
    public async Task HandleAsync_body_that_stalls_after_headers_is_bounded_by_the_timeout()
    {
        var result = Assert.Single(await RunAsync(["/stall-body"], pool: new WorkPoolOptions { AttemptTimeout = TimeSpan.FromMilliseconds(500) }));

        Assert.Equal(WorkError.TimeoutKind, result.Error!.Kind);
        Assert.True(result.RunTime < TimeSpan.FromSeconds(5), $"took {result.RunTime}");
    }

    [Fact]
    public async Task HandleAsync_connection_refused_is_a_network_error()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var result = Assert.Single(await RunAsync([$"http://127.0.0.1:{port}/"]));

        Assert.Equal(HttpCaller.NetworkErrorKind, result.Error!.Kind);
        Assert.Contains("refused", result.Error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Null(result.Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HandleAsync_body_over_max_body_fails_without_buffering_it(bool chunked)
    {
        var result = Assert.Single(await RunAsync([$"/bytes/200000?chunked={chunked}"], new HttpOptions { MaxBodyBytes = 100_000 }));

        Assert.Equal(HttpCaller.TooLargeErrorKind, result.Error!.Kind);
        Assert.Contains("100000-byte limit", result.Error.Message, StringComparison.Ordinal);
        Assert.True(result.Value!.Bytes <= 100_000 + 65_536);
    }

    [Fact]
    public async Task HandleAsync_body_at_max_body_is_accepted_and_binary_left_out()
    {
        var result = Assert.Single(await RunAsync(["/bytes/100000?chunked=true"], new HttpOptions { MaxBodyBytes = 100_000 }));

        Assert.True(result.Ok);
        Assert.Equal(100_000, result.Value!.Bytes);
        Assert.Null(result.Value.Body);
    }

    [Fact]
    public async Task HandleAsync_save_bodies_writes_one_file_per_request()
    {
        using var temp = new TempDirectory();
        var results = await RunAsync(["/json", "/text"], new HttpOptions { SaveBodiesDirectory = temp.Path }, new WorkPoolOptions { PreserveOrder = true });

        Assert.Equal("{ \"hello\" : \"world\",\n  \"n\": [1, 2] }", File.ReadAllText(results[0].Value!.SavedTo!));
        Assert.Equal("plain text", File.ReadAllText(results[1].Value!.SavedTo!));
        Assert.Equal(["000001.json", "000002.txt"], Directory.GetFiles(temp.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task HandleAsync_job_and_item_headers_are_sent_item_overriding_job()
    {
        using var caller = new HttpCaller(new HttpOptions { Headers = [new("X-Team", "qa"), new("X-Env", "job")] });
        var item = new HttpItem("GET", new Uri(server.Url("/headers"))) { Headers = [new("X-Env", "item")] };

        var outcome = await caller.HandleAsync(item, new AttemptContext("k", 0, 1), CancellationToken.None);

        var headers = TestServer.ParseJson(outcome.Value!.Body!);
        Assert.Equal("qa", headers.GetProperty("x-team").GetString());
        Assert.Equal("item", headers.GetProperty("x-env").GetString());
    }

    [Fact]
    public async Task HandleAsync_json_body_is_posted_with_json_content_type()
    {
        using var caller = new HttpCaller(new HttpOptions());
        var item = new HttpItem("POST", new Uri(server.Url("/echo"))) { Body = "{\"a\":1}" };

        var outcome = await caller.HandleAsync(item, new AttemptContext("k", 0, 1), CancellationToken.None);

        var echo = TestServer.ParseJson(outcome.Value!.Body!);
        Assert.Equal("POST", echo.GetProperty("method").GetString());
        Assert.Equal("application/json", echo.GetProperty("content_type").GetString());
        Assert.Equal("{\"a\":1}", echo.GetProperty("body").GetString());
    }
}
