using System.CommandLine;
using Fanout.Cli.Console;
using Fanout.Downloads;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Cli;

/// <summary><c>fanout download</c>: concurrent file downloads.</summary>
internal static class DownloadCommand
{
    private const int DefaultConcurrency = 8;
    private const int DefaultRetries = 3;

    public static Command Create()
    {
        var inputs = new Argument<string[]>("FILE")
        {
            Description = "Files of downloads, one per line: URL, 'URL NAME', or JSONL {\"url\",\"path\",\"sha256\",\"headers\"}; '-' or none for stdin",
            Arity = ArgumentArity.ZeroOrMore,
            HelpName = "FILE",
        };
        // aria2c's --dir, curl's --output-dir; -o is the results file in every job.
        var directory = new Option<string>("--dir", "--output-dir")
        {
            Description = "Directory to download into (created if missing); nothing is ever written outside it",
            DefaultValueFactory = _ => ".",
            HelpName = "DIR",
        };
        var fromJson = new Option<string?>("--from-json") { Description = "Fetch this JSON URL (with the -H headers) and download the links --links selects from it", HelpName = "URL" };
        var links = new Option<string?>("--links") { Description = "Where the links are in the --from-json document: dotted keys, [] for arrays, e.g. 'data[].link'", HelpName = "PATH" };
        var next = new Option<string?>("--next") { Description = "With --from-json: where each page names the next one, e.g. 'paging.next' (a URL) or 'paging.cursor' (a cursor, sent as ?cursor=); without it a Link: rel=\"next\" header is followed", HelpName = "PATH" };
        var maxPages = new Option<int>("--max-pages") { Description = "With --from-json: read at most N pages", DefaultValueFactory = _ => ListingOptions.DefaultMaxPages, HelpName = "N" };
        var name = new Option<string?>("--name") { Description = "With --from-json: name each file from its listing entry's fields, e.g. '{id}.{ext}' ({ext} from its type, else its link), sanitised as every name", HelpName = "TEMPLATE" };
        var metadata = new Option<bool>("--metadata") { Description = "With --from-json: write each file's listing entry beside it as NAME.json" };
        var where = new Option<string[]>("--where") { Description = "Keep a link only if a field beside it matches, repeatable: 'type in image/jpeg,image/png', 'nsfw=false', 'type!=video/mp4'", HelpName = "CONDITION" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a different file of the same name instead of saving as 'name (1).ext'" };
        var skipExisting = new Option<bool>("--skip-existing")
        {
            Description = "Skip files already complete (same size as the server's, and same sha256 when given); --skip-existing false downloads again",
            DefaultValueFactory = _ => true,
            HelpName = "true|false",
        };
        var accept = new Option<string[]>("--accept") { Description = "Media types to accept, comma-separated or repeated, e.g. image/jpeg,image/png or image/*; others fail before anything is written", HelpName = "TYPES" };
        var maxSize = new Option<string?>("--max-size") { Description = "Largest file, e.g. 500M: checked against Content-Length first and while streaming", HelpName = "SIZE" };
        var web = new WebOptions(DownloadOptions.DefaultPerHost, "downloads");
        var limitRate = new Option<string?>("--limit-rate") { Description = "Overall download speed limit in bytes per second, e.g. 10M; 0 for none", HelpName = "SIZE" };
        var stallTimeout = new Option<string>("--stall-timeout")
        {
            Description = "Fail (and retry, resuming) a download that receives nothing for this long, the wait for the answer included",
            DefaultValueFactory = _ => "30s",
            HelpName = "DURATION",
        };
        var failed = new Option<string?>("--failed") { Description = "Write the input lines of failed downloads to FILE, so 'fanout download FILE' retries just those", HelpName = "FILE" };
        var common = new CommonOptions(new JobWords
        {
            Noun = "downloads",
            Concurrency = DefaultConcurrency,
            Retries = DefaultRetries,
            RetriesHelp = "Retries of a download that failed for a transient reason (network error, stall, short body, 408, 429, 5xx), resuming what was received; Retry-After is honoured",
            TimeoutHelp = "Time limit of one attempt (the whole file; --stall-timeout bounds silences)",
        });

        var command = new Command("download", """
            Download many files concurrently into a directory, safely and resumably.

            Each file is streamed to a part file and renamed only when
            complete (and its sha256 matches, when given); a rerun resumes .part files with Range requests and skips
            complete files. Names come from the input, else Content-Disposition, else the URL, and are sanitized.
            One JSONL record per file on stdout (or --output FILE); failures listed with their reasons at the end.

            Examples:
              fanout download urls.txt --dir downloads -j 8
              fanout download --from-json 'https://api.example.test/gallery' -H 'Authorization: Client-ID $API_CLIENT_ID' \
                  --links 'data[].link' --where 'type in image/jpeg,image/png' --dir images
              fanout download list.jsonl --dir data --limit-rate 10M --failed failed.txt && fanout download failed.txt --dir data

            Exit codes: 0 all downloaded or skipped, 1 some failed, 2 bad usage or unreadable input, 130 interrupted.
            """);
        command.Arguments.Add(inputs);
        foreach (var option in new Option[] { directory, fromJson, links, where, next, maxPages, name, metadata, overwrite, skipExisting, accept, maxSize, limitRate, stallTimeout, failed })
        {
            command.Options.Add(option);
        }

        web.AddTo(command);
        common.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = common.Validate(parse);
            var environment = (Func<string, string?>)Environment.GetEnvironmentVariable;
            var (headerList, perHost, trustRedirects) = web.Validate(parse, environment);
            var perHostLimit = perHost ?? DownloadOptions.DefaultPerHost;

            var options = new DownloadOptions
            {
                Directory = parse.GetValue(directory)!,
                Headers = headerList,
                TrustRedirects = trustRedirects,
                Overwrite = parse.GetValue(overwrite),
                SkipExisting = parse.GetValue(skipExisting),
                Accept = [.. (parse.GetValue(accept) ?? []).SelectMany(a => a.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))],
                MaxSize = parse.GetValue(maxSize) is { } size ? ValueParsers.Size(size, "--max-size") : null,
                LimitRate = parse.GetValue(limitRate) is { } rate && ValueParsers.Size(rate, "--limit-rate") is > 0 and var bytesPerSecond ? bytesPerSecond : null,
                StallTimeout = ValueParsers.Duration(parse.GetValue(stallTimeout)!, "--stall-timeout"),
                MaxConnectionsPerServer = Math.Min(settings.Pool.Workers, perHostLimit),
            };
            settings = settings with { Pool = settings.Pool with { PerPartitionConcurrency = perHostLimit } };
            var failedPath = ValueParsers.OutputFile(parse.GetValue(failed), "--failed");
            var jsonUrl = parse.GetValue(fromJson);
            var linkPath = parse.GetValue(links);
            if ((jsonUrl is null) != (linkPath is null))
            {
                throw new UsageException("--from-json and --links go together");
            }

            if (jsonUrl is null && (parse.GetValue(next) is not null || parse.GetValue(name) is not null || parse.GetValue(metadata)))
            {
                throw new UsageException("--next, --name and --metadata read a JSON listing: give it with --from-json URL --links PATH");
            }

            using var downloader = new Downloader(options);
            Func<CancellationToken, IAsyncEnumerable<DownloadItem>>? source = null;
            if (jsonUrl is not null)
            {
                IReadOnlyList<DownloadItem> items;
                try
                {
                    var listing = new ListingOptions { Next = parse.GetValue(next), MaxPages = parse.GetValue(maxPages), Name = parse.GetValue(name), Metadata = parse.GetValue(metadata) };
                    if (listing.MaxPages < 1)
                    {
                        throw new UsageException("--max-pages: must be 1 or more");
                    }

                    items = await downloader.ListAsync(jsonUrl, linkPath!, parse.GetValue(where) ?? [], listing, line => System.Console.Error.WriteLine("fanout: " + Terminal.Escape(line)), cancellationToken);
                }
                catch (Exception ex) when (ex is InvalidDataException or ArgumentException)
                {
                    throw new UsageException($"--from-json: {ex.Message}");
                }
                catch (FormatException ex)
                {
                    throw new UsageException($"--links/--where: {ex.Message}");
                }

                // Planned in listing order as they are read, so collision numbering is the same on every rerun.
                source = _ => items.Select(item =>
                {
                    downloader.Plan(item);
                    return item;
                }).ToAsyncEnumerable();
            }

            var failures = new List<(string Url, string Reason, string Line)>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var job = new JobSpec<DownloadItem, DownloadResult>
            {
                Name = "download",
                Noun = "files",
                Expected = "downloads",
                Parse = line => downloader.ParseLine(line, environment),
                Source = source,
                Handler = downloader,
                JournalStatus = r => r.Value?.StatusCode,
                WriteRecord = Downloader.WriteRecord,
                Status = () => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{SummaryPrinter.FormatBytes(downloader.BytesReceived)}, {downloader.BytesReceived / 1e6 / Math.Max(1e-9, clock.Elapsed.TotalSeconds):0.0} MB/s"),
                Observe = result =>
                {
                    if (result.Error is { } error)
                    {
                        failures.Add((result.Key, error.Message, result.Item.InputText ?? result.Key));
                    }
                },
                Sections = stats =>
                [
                    DataSection.Of(downloader.BytesReceived, stats.WallTime),
                    new EntriesSection("Failed downloads", "failed_downloads", [.. failures.Select(f => (IReadOnlyList<KeyValuePair<string, string>>)[new("url", f.Url), new("reason", f.Reason)])], e => $"{e[0].Value}  {e[1].Value}"),
                ],
            };
            var exitCode = await JobRunner.RunAsync(job, settings, parse.GetValue(inputs) ?? []);
            if (failedPath is not null)
            {
                var file = AtomicFile.Create(failedPath);
                await using (file)
                {
                    await using (var writer = new StreamWriter(file.Stream, leaveOpen: true) { NewLine = "\n" })
                    {
                        foreach (var failure in failures)
                        {
                            await writer.WriteLineAsync(failure.Line);
                        }
                    }

                    await file.CommitAsync(CancellationToken.None);
                }
            }

            return exitCode;
        });
        return command;
    }
}
