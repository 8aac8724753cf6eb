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
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "Files of URLs (one per line) or JSONL request specs {\"method\",\"url\",\"headers\",\"body\",\"key\"}; '-' or none for stdin. Blank lines and # comments are skipped",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var method = new Option<string>("--request", "-X") { Description = "Method for plain URL lines [default: GET, or POST with --data]" };
        var data = new Option<string?>("--data", "-d") { Description = "Request body for every request; @FILE reads it from a file. JSON bodies get Content-Type application/json" };
        var web = new WebOptions(defaultPerHost: null, "requests");
        var maxBody = new Option<string>("--max-body")
        {
            Description = "Largest response body; larger responses fail and are never buffered whole",
            DefaultValueFactory = _ => "10M",
        };
        var body = new Option<string>("--body")
        {
            Description = "Body in results: auto (JSON embedded, text as string, binary left out), text, none",
            DefaultValueFactory = _ => "auto",
        };
        body.AcceptOnlyFromAmong("auto", "text", "none");
        var saveBodies = new Option<string?>("--save-bodies") { Description = "Save each response body to DIR as NNNNNN.ext (input order number)" };
        var maxRedirects = new Option<int>("--max-redirects")
        {
            Description = "Redirects followed; 0 to follow none",
            DefaultValueFactory = _ => HttpOptions.DefaultMaxRedirects,
        };
        var common = new CommonOptions(DefaultConcurrency, DefaultRetries, DefaultTimeout);

        var command = new Command("http", """
            Make HTTP requests concurrently: one JSONL record per request on stdout, progress and a summary on stderr.

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
            var (headerList, perHostLimit) = web.Validate(parse, environment);
            var bodyText = parse.GetValue(data) is { } d ? ReadData(d) : null;

            var redirects = parse.GetValue(maxRedirects);
            if (redirects < 0)
            {
                throw new UsageException("--max-redirects: must be 0 or more");
            }

            var options = new HttpOptions
            {
                Method = (parse.GetValue(method) ?? (bodyText is null ? "GET" : "POST")).ToUpperInvariant(),
                Headers = headerList,
                Body = bodyText,
                MaxBodyBytes = ValueParsers.Size(parse.GetValue(maxBody)!, "--max-body"),
                BodyMode = Enum.Parse<HttpBodyMode>(parse.GetValue(body)!, ignoreCase: true),
                SaveBodiesDirectory = parse.GetValue(saveBodies),
                MaxRedirects = redirects,
                MaxConnectionsPerServer = Math.Min(settings.Pool.Concurrency, perHostLimit ?? int.MaxValue),
            };
            settings = settings with { Pool = settings.Pool with { PerPartitionConcurrency = perHostLimit } };

            using var caller = new HttpCaller(options);
            var statuses = new Tally();
            var errors = new Tally();
            var job = new JobSpec<HttpItem, HttpResult>
            {
                Name = "http",
                Noun = "requests",
                Parse = line => caller.ParseLine(line, environment),
                Handler = caller,
                WriteRecord = HttpCaller.WriteRecord,
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
                    new SummarySection("Status codes", "status_codes", statuses.Top(int.MaxValue, byLabel: true)),
                    new SummarySection("Errors", "errors", errors.Top(MaxErrorRows), Math.Max(0, errors.Distinct - MaxErrorRows)),
                ],
            };
            return await JobRunner.RunAsync(job, settings, parse.GetValue(inputs) ?? []);
        });
        return command;
    }

    private static string ReadData(string data)
    {
        if (!data.StartsWith('@'))
        {
            return data;
        }

        try
        {
            return File.ReadAllText(data[1..]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--data: {ex.Message}");
        }
    }
}
