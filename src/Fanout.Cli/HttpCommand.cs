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
        var url = new Option<string?>("--url")
        {
            Description = "Make each request from a data row: the inputs are CSV (first line the header) or JSONL rows, and {field} in the URL (and in --key, -H, -d) is the row's field. The row goes into the record as 'input'",
            HelpName = "URL",
        };
        var key = new Option<string?>("--key") { Description = "With --url: each request's key, e.g. '{id}' [default: the URL]", HelpName = "TEMPLATE" };
        var extract = new Option<string[]>("--extract") { Description = "Put a value of each JSON response in its record: NAME=PATH, e.g. id=.data.id (PATH as --links: dotted keys, [] for every element)", HelpName = "NAME=PATH", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = false };
        var expect = new Option<string[]>("--expect")
        {
            Description = "Every response must meet this, else its request fails (error_kind assertion, not retried): status=200, status=2xx, json:.data.id, json:.count>0, header:content-type~json, body~regex, latency<300ms. A status expectation replaces the status < 400 rule. Repeat for more",
            HelpName = "CHECK",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var threshold = new Option<string[]>("--threshold")
        {
            Description = "The run passes only if this holds (exit 1 otherwise): p99<300ms (p50 p90 p95 max mean), errors<1% or errors<=3, rate>100/s. Repeat for more",
            HelpName = "RULE",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var junit = new Option<string?>("--junit") { Description = "Write a JUnit XML report to FILE: a testcase per request, named by its key; failed expectations are failures, other errors errors", HelpName = "FILE" };
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
              fanout http users.csv --url 'https://api.test/users/{id}' --key '{id}' --expect status=200 --expect 'json:.email~@'
              fanout http urls.txt --expect status=2xx --threshold 'p99<300ms' --threshold 'errors<1%' --junit junit.xml

            Exit codes: 0 all requests ok (status < 400, every --expect met) and every --threshold met, 1 some failed or a
            threshold did not hold, 2 bad usage or unreadable input, 130 interrupted.
            """);
        command.Arguments.Add(inputs);
        foreach (var option in new Option[] { method, data, url, key, extract, expect, threshold, junit, maxBody, body, saveBodies, maxRedirects })
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

            var checks = Parsed(parse.GetValue(expect), "--expect", HttpCheck.Parse);
            var extracts = Parsed(parse.GetValue(extract), "--extract", HttpExtract.Parse);
            var thresholds = Parsed(parse.GetValue(threshold), "--threshold", RunThreshold.Parse);
            if (extracts.FirstOrDefault(e => ReservedFields.Contains(e.Name)) is { } clash)
            {
                throw new UsageException($"--extract: '{clash.Name}' is a field every record has; choose another name");
            }

            var template = parse.GetValue(url) is { } urlTemplate
                ? new HttpTemplate(urlTemplate) { Key = parse.GetValue(key), Body = bodyBytes is { } b ? System.Text.Encoding.UTF8.GetString(b.Span) : null }
                : parse.GetValue(key) is not null ? throw new UsageException("--key: give it with --url (a key template fills from each row)") : null;
            var junitPath = ValueParsers.OutputFile(parse.GetValue(junit), "--junit");
            var options = new HttpOptions
            {
                Checks = checks,
                Extract = extracts,
                Template = template,
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
            var cases = new List<Fanout.Processes.JUnitCase>();
            var wall = TimeSpan.Zero;
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

                    if (junitPath is not null)
                    {
                        cases.Add(JUnitCase(result));
                    }
                },
                MeetsThresholds = stats => thresholds.All(t => t.Evaluate(stats).Passed),
                Completed = stats => wall = stats.WallTime,
                Sections = stats =>
                [
                    new CountsSection("Status codes", "status_codes", statuses.Top(int.MaxValue, byLabel: true)),
                    new CountsSection("Errors", "errors", errors.Top(MaxErrorRows), "message", Math.Max(0, errors.Distinct - MaxErrorRows)),
                    .. ThresholdSection(thresholds, stats),
                ],
            };
            var exitCode = await JobRunner.RunAsync(job, settings, parse.GetValue(inputs) ?? []);
            if (junitPath is not null)
            {
                // As test writes its JUnit: after the run, from what it observed.
                await Fanout.Processes.JUnitReport.WriteCasesAsync(junitPath, "fanout http", cases, wall, CancellationToken.None);
            }

            return exitCode;
        });
        return command;
    }

    /// <summary>Fields every http record has: an --extract name may not take one.</summary>
    private static readonly HashSet<string> ReservedFields = new(StringComparer.Ordinal)
    {
        "key", "ok", "url", "method", "input", "status", "bytes", "content_type", "body", "saved_to", "attempts", "elapsed_ms",
        "queued_ms", "worker", "started_at", "ended_at", "error", "error_kind",
    };

    private static List<T> Parsed<T>(string[]? texts, string option, Func<string, T> parse)
    {
        var parsed = new List<T>();
        var problems = new List<string>();
        foreach (var text in texts ?? [])
        {
            try
            {
                parsed.Add(parse(text));
            }
            catch (FormatException ex)
            {
                problems.Add($"{option}: {ex.Message}");
            }
        }

        return problems.Count == 0 ? parsed : throw new UsageException(problems);
    }

    /// <summary>Each threshold, passed or FAILED, with what the run showed.</summary>
    private static IEnumerable<SummarySection> ThresholdSection(IReadOnlyList<RunThreshold> thresholds, WorkStats stats)
    {
        if (thresholds.Count == 0)
        {
            yield break;
        }

        var entries = thresholds.Select(t => (t.Text, Result: t.Evaluate(stats)))
            .Select(t => (IReadOnlyList<KeyValuePair<string, string>>)[new("threshold", t.Text), new("result", t.Result.Passed ? "passed" : "failed"), new("seen", t.Result.Seen)])
            .ToList();
        yield return new EntriesSection("Thresholds", "thresholds", entries, e => $"{e[0].Value,-24} {(e[1].Value == "passed" ? "passed" : "FAILED")} (seen {e[2].Value})");
    }

    private static Fanout.Processes.JUnitCase JUnitCase(WorkResult<HttpItem, HttpResult> result)
    {
        var problem = result.Error is not { } error ? null
            : error.Kind == HttpCheck.AssertionKind ? new Fanout.Processes.JUnitProblem("failure", error.Message, error.Kind)
            : new Fanout.Processes.JUnitProblem("error", error.Message, error.Kind);
        var status = result.Value is { } value ? string.Create(CultureInfo.InvariantCulture, $"{result.Item.Method} {result.Item.Url.OriginalString} -> {value.StatusCode}") : null;
        return new Fanout.Processes.JUnitCase(result.Key, "fanout http", result.RunTime, problem, status, null, []);
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
