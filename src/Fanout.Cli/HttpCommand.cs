using System.CommandLine;
using System.Globalization;
using Fanout.Cli.Console;
using Fanout.Engine;
using Fanout.Http;

namespace Fanout.Cli;

/// <summary><c>fanout http</c>: concurrent API calls.</summary>
internal static class HttpCommand
{
    private const int DefaultConcurrency = 16;
    private const int DefaultRetries = 2;
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private const int MaxErrorRows = 10;

    public static Command Create()
    {
        var inputs = new Argument<string[]>("FILE")
        {
            Description = "Files of URLs (one per line) or JSONL request specs {\"method\",\"url\",\"headers\",\"body\",\"key\"}; '-' or none for stdin. Blank lines and # comments are skipped",
            Arity = ArgumentArity.ZeroOrMore,
            HelpName = "FILE",
        };
        var method = new Option<string>("--request", "-X") { Description = "Method for plain URL lines [default: GET, or POST with --data]", HelpName = "METHOD" };
        var data = new Option<string?>("--data", "-d")
        {
            Description = "Request body for every request; @FILE sends that file's bytes as they are. JSON bodies get Content-Type application/json",
            HelpName = "BODY|@FILE",
        };
        var web = new WebOptions(defaultPerHost: null, "requests");
        var maxBody = new Option<string>("--max-body")
        {
            Description = "Largest response body; larger responses fail and are never buffered whole",
            DefaultValueFactory = _ => "10M",
            HelpName = "SIZE",
        };
        var body = new Option<string>("--body")
        {
            Description = "Body in results: auto (JSON embedded, text as string, binary left out), text, none",
            DefaultValueFactory = _ => "auto",
            HelpName = "auto|text|none",
        };
        body.AcceptOnlyFromAmong("auto", "text", "none");
        var saveBodies = new Option<string?>("--save-bodies") { Description = "Save each response body to DIR as NNNNNN.ext (input order number)", HelpName = "DIR" };
        var maxRedirects = new Option<int>("--max-redirects")
        {
            Description = "Redirects followed; 0 to follow none",
            DefaultValueFactory = _ => HttpOptions.DefaultMaxRedirects,
            HelpName = "N",
        };
        var common = new CommonOptions(new JobWords
        {
            Noun = "requests",
            Concurrency = DefaultConcurrency,
            Retries = DefaultRetries,
            RetriesHelp = "Retries of a request that failed for a transient reason (network error, timeout, 408, 425, 429, 5xx), with exponential backoff and jitter; Retry-After is honoured",
            Timeout = DefaultTimeout,
            TimeoutHelp = "Time limit of one attempt (connecting, sending, and reading the whole response)",
            LatencyFromSlot = true,
        });

        var command = new Command("http", """
            Call an API concurrently: many HTTP requests, one result record each.

            One JSONL record per request on stdout (status, latency, body), progress and a summary on stderr.

            Examples:
              fanout http urls.txt -j 50
              fanout http requests.jsonl -H 'Authorization: Bearer $API_TOKEN' --rate 20/s -o results.jsonl
              cat ids.txt | sed 's|^|https://api.example.test/items/|' | fanout http --stats stats.json
              fanout http urls.txt -X POST -d @payload.json --retries 5 --timeout 10s

            Exit codes: 0 all requests ok (status < 400), 1 some failed, 2 bad usage or unreadable input, 130 interrupted.
            """);
        command.Arguments.Add(inputs);
        foreach (var option in new Option[] { method, data, maxBody, body, saveBodies, maxRedirects })
        {
            command.Options.Add(option);
        }

        web.AddTo(command);
        common.AddTo(command);
        command.SetAction(async (parse, _) =>
        {
            var settings = common.Validate(parse);
            var environment = (Func<string, string?>)Environment.GetEnvironmentVariable;
            var (headerList, perHostLimit, trustRedirects) = web.Validate(parse, environment);
            // Not 'cond ? bytes : null': null converts to an empty ReadOnlyMemory, which would POST an empty body.
            ReadOnlyMemory<byte>? bodyBytes = parse.GetValue(data) is { } d ? ReadData(d) : default(ReadOnlyMemory<byte>?);

            var redirects = parse.GetValue(maxRedirects);
            if (redirects < 0)
            {
                throw new UsageException("--max-redirects: must be 0 or more");
            }

            var options = new HttpOptions
            {
                Method = (parse.GetValue(method) ?? (bodyBytes is null ? "GET" : "POST")).ToUpperInvariant(),
                Headers = headerList,
                TrustRedirects = trustRedirects,
                Body = bodyBytes,
                MaxBodyBytes = ValueParsers.Size(parse.GetValue(maxBody)!, "--max-body"),
                BodyMode = Enum.Parse<HttpBodyMode>(parse.GetValue(body)!, ignoreCase: true),
                SaveBodiesDirectory = parse.GetValue(saveBodies),
                MaxRedirects = redirects,
                MaxConnectionsPerServer = Math.Min(settings.Pool.Workers, perHostLimit ?? int.MaxValue),
            };
            settings = settings with { Pool = settings.Pool with { PerPartitionConcurrency = perHostLimit } };

            using var caller = new HttpCaller(options);
            var statuses = new Tally();
            var errors = new Tally();
            var job = new JobSpec<HttpItem, HttpResult>
            {
                Name = "http",
                Noun = "requests",
                Expected = "URLs or requests",
                Parse = line => caller.ParseLine(line, environment),
                Handler = caller,
                WriteRecord = HttpCaller.WriteRecord,
                JournalStatus = r => r.Value?.StatusCode,
                Observe = result =>
                {
                    statuses.Add(result.Value is { } v ? v.StatusCode.ToString(CultureInfo.InvariantCulture) : result.Error?.Kind ?? "none");
                    if (result.Error is { } error)
                    {
                        errors.Add(error.Message);
                    }
                },
                Sections = _ =>
                [
                    new CountsSection("Status codes", "status_codes", statuses.Top(int.MaxValue, byLabel: true)),
                    new CountsSection("Errors", "errors", errors.Top(MaxErrorRows), "message", Math.Max(0, errors.Distinct - MaxErrorRows)),
                ],
            };
            return await JobRunner.RunAsync(job, settings, parse.GetValue(inputs) ?? []);
        });
        return command;
    }

    private static ReadOnlyMemory<byte> ReadData(string data)
    {
        if (!data.StartsWith('@'))
        {
            return System.Text.Encoding.UTF8.GetBytes(data);
        }

        try
        {
            return File.ReadAllBytes(data[1..]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--data: {ex.Message}");
        }
    }
}
