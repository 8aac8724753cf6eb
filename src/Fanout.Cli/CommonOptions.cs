using System.Globalization;
using System.CommandLine;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Cli;

/// <summary>
/// The options every job shares, with the same names, value placeholders and meaning everywhere; what differs per job
/// (defaults, what an item is called, what is retried) comes from its <see cref="JobWords"/>. Parsing them is one step;
/// turning them into validated <see cref="CommonSettings"/> is another (<see cref="Validate"/>).
/// </summary>
internal sealed class CommonOptions
{
    private readonly JobWords _words;

    public CommonOptions(JobWords words)
    {
        _words = words;
        Concurrency = new("--concurrency", "-j")
        {
            Description = (words.ConcurrencyHelp ?? $"How many {words.Noun} run at once")
                + $"; 'auto' finds it while the run goes (per host for web jobs), 'auto:MAX' caps it [auto: {AutoConcurrency.DefaultMax}]",
            HelpName = "N|auto",
        };
        if (words.Concurrency is { } concurrency)
        {
            Concurrency.DefaultValueFactory = _ => concurrency.ToString(CultureInfo.InvariantCulture);
        }

        Retries = new("--retries")
        {
            Description = words.RetriesHelp,
            DefaultValueFactory = _ => words.Retries,
            HelpName = "N",
        };
        Timeout = new("--timeout")
        {
            Description = $"{words.TimeoutHelp}, e.g. 30s, 500ms, 2m; 0 for none{(words.Timeout is { } t ? $" [default: {ValueParsers.Show(t)}]" : string.Empty)}",
            HelpName = "DURATION",
        };
        Rate = new("--rate")
        {
            Description = $"Start at most this many {words.Noun}, e.g. 50/s or 600/m{(words.LatencyFromSlot ? "; latency is then measured from each one's slot" : string.Empty)}",
            HelpName = "RATE",
        };
        Output = new("--output", "-o") { Description = "Write the result records to FILE instead of stdout (whole at the end: never half-written)", HelpName = "FILE" };
        Format = new("--format") { Description = "Result format [default: table on a terminal, else jsonl; by extension for --output]", HelpName = "jsonl|csv|table" };
        Format.AcceptOnlyFromAmong("jsonl", "csv", "table");
        Progress = new("--progress")
        {
            Description = "Progress on stderr: a bar on a terminal, a plain line every few seconds, or none",
            DefaultValueFactory = _ => words.Progress,
            HelpName = "auto|bar|plain|none",
        };
        Progress.AcceptOnlyFromAmong("auto", "bar", "plain", "none");
        MaxFailures = new("--max-failures") { Description = words.MaxFailuresHelp ?? $"Stop after N failed {words.Noun}: nothing new starts, running ones are cancelled", HelpName = "N" };
        FailFast = new("--fail-fast") { Description = "Same as --max-failures 1" };
        Shard = new("--shard")
        {
            Description = (words.ShardHelp ?? $"Run only shard I of N (1 <= I <= N), chosen by a stable hash of each item's key, e.g. --shard 2/4 on the second of four machines")
                + "; 'auto' reads it from the CI environment (CI_NODE_INDEX, CIRCLE_NODE_INDEX, BUILDKITE_PARALLEL_JOB, TEST_SHARD_INDEX, JOB_COMPLETION_INDEX with --shards)",
            HelpName = "I/N",
        };
        Ordered = new("--ordered") { Description = "Write the result records in input order (a bounded window) instead of as they complete" };
        Stats = new("--stats") { Description = "Also write the summary as JSON to FILE (docs/STATS.md)", HelpName = "FILE" };
        Report = new("--report") { Description = "Also write an HTML report of the run to FILE (a worker timeline, throughput, item times, failures; opens offline), also on Ctrl+C", HelpName = "FILE.html" };
        Shards = new("--shards") { Description = "With --shard auto where the environment gives only an index (a Kubernetes Indexed Job): the number of shards", HelpName = "N" };
        QueueTarget = new("--queue") { Description = "Take the items from a shared PostgreSQL queue instead of the inputs (fanout queue push DB NAME first); run as many workers as you like", HelpName = "DB#NAME" };
        Lease = new("--lease") { Description = "With --queue: how long a leased item stays this worker's without a heartbeat (a killed worker's items come back after it)", HelpName = "DURATION", DefaultValueFactory = _ => "60s" };
        JobLog = new("--joblog") { Description = "Append a line per finished item to FILE (key, ok, attempts, times, status), synced to disk at least once a second: what --resume reads", HelpName = "FILE" };
        Resume = new("--resume") { Description = "Skip the items --joblog FILE lists as finished (ok or failed), as GNU parallel does" };
        ResumeFailed = new("--resume-failed") { Description = "Skip the items --joblog FILE lists as ok; run the failed ones again" };
        Quiet = new("--quiet", "-q") { Description = "No progress and no summary on stderr (bad input lines and errors are still reported)" };
    }

    public Option<string?> Concurrency { get; }

    public Option<int> Retries { get; }

    public Option<string?> Timeout { get; }

    public Option<string?> Rate { get; }

    public Option<string?> Output { get; }

    public Option<string?> Format { get; }

    public Option<string> Progress { get; }

    public Option<int?> MaxFailures { get; }

    public Option<bool> FailFast { get; }

    public Option<string?> Shard { get; }

    public Option<bool> Ordered { get; }

    public Option<string?> Stats { get; }

    public Option<string?> Report { get; }

    public Option<bool> Quiet { get; }

    /// <summary>Every shared option, in the order help lists them.</summary>
    public IReadOnlyList<Option> All => [Concurrency, Retries, Timeout, Rate, Output, Format, Progress, MaxFailures, FailFast, Shard, Ordered, Stats, Report, JobLog, Resume, ResumeFailed, Shards, QueueTarget, Lease, Quiet];

    public Option<string?> JobLog { get; }

    public Option<int?> Shards { get; }

    public Option<string?> QueueTarget { get; }

    public Option<string> Lease { get; }

    public Option<bool> Resume { get; }

    public Option<bool> ResumeFailed { get; }

    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary><c>-j</c>: a number of items at once, or <c>auto</c> / <c>auto:MAX</c> for an adaptive limit.</summary>
    internal static (int? Fixed, AutoConcurrency? Auto) ParseConcurrency(string? text, bool local = false)
    {
        if (text is null)
        {
            return (null, null);
        }

        if (text == "auto" || text.StartsWith("auto:", StringComparison.Ordinal))
        {
            var max = AutoConcurrency.DefaultMax;
            if (text.Length > 4 && (!int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out max) || max < 1 || max > 100_000))
            {
                throw new UsageException($"--concurrency: 'auto:MAX' needs MAX between 1 and 100000 (got '{text}')");
            }

            return (null, new AutoConcurrency(max) { Local = local });
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var fixedCount) || fixedCount < 1)
        {
            throw new UsageException($"--concurrency: must be a number of at least 1, 'auto' or 'auto:MAX' (got '{text}')");
        }

        return (fixedCount, null);
    }

    /// <summary>Validates the raw values; a bad one is a <see cref="UsageException"/> naming the option.</summary>
    public CommonSettings Validate(ParseResult parse)
    {
        var (explicitConcurrency, auto) = ParseConcurrency(parse.GetValue(Concurrency), _words.LocalWork);
        var concurrency = explicitConcurrency ?? 1;

        var retries = parse.GetValue(Retries);
        if (retries < 0)
        {
            throw new UsageException($"--retries: must be 0 or more (got {retries})");
        }

        var timeout = parse.GetValue(Timeout) is { } timeoutText ? ValueParsers.Duration(timeoutText, "--timeout") : _words.Timeout;
        if (timeout == TimeSpan.Zero)
        {
            timeout = null;
        }
        else if (timeout < TimeSpan.FromMilliseconds(10) || timeout > TimeSpan.FromDays(1))
        {
            throw new UsageException("--timeout: must be between 10ms and 24h, or 0 for none");
        }

        var maxFailures = parse.GetValue(FailFast) ? 1 : parse.GetValue(MaxFailures);
        if (maxFailures < 1)
        {
            throw new UsageException($"--max-failures: must be at least 1 (got {maxFailures})");
        }

        Shard? shard = null;
        if (parse.GetValue(Shard) is { } shardText)
        {
            try
            {
                if (shardText == "auto")
                {
                    var (found, source) = Engine.Shard.FromEnvironment(Environment.GetEnvironmentVariable, parse.GetValue(Shards));
                    shard = found;
                    System.Console.Error.WriteLine($"fanout: {source}");
                }
                else
                {
                    shard = Engine.Shard.Parse(shardText);
                }
            }
            catch (FormatException ex)
            {
                throw new UsageException($"--shard: {ex.Message}");
            }
        }

        var output = ValueParsers.OutputFile(parse.GetValue(Output), "--output");
        var format = parse.GetValue(Format) switch
        {
            "jsonl" => OutputFormat.Jsonl,
            "csv" => OutputFormat.Csv,
            "table" => OutputFormat.Table,
            _ when output is not null => output.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Csv : OutputFormat.Jsonl,
            _ => System.Console.IsOutputRedirected ? OutputFormat.Jsonl : OutputFormat.Table,
        };

        if ((parse.GetValue(Resume) || parse.GetValue(ResumeFailed)) && parse.GetValue(JobLog) is null)
        {
            throw new UsageException("--resume and --resume-failed read the journal of an earlier run: give it with --joblog FILE");
        }

        var quiet = parse.GetValue(Quiet);
        var progress = quiet ? "none" : parse.GetValue(Progress) ?? "auto";
        if (progress == "auto")
        {
            progress = System.Console.IsErrorRedirected || Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ? "plain" : "bar";
        }

        return new CommonSettings
        {
            Pool = new WorkPoolOptions
            {
                Concurrency = concurrency,
                Auto = auto,
                Retries = retries,
                AttemptTimeout = timeout,
                RatePerSecond = parse.GetValue(Rate) is { } rateText ? ValueParsers.Rate(rateText, "--rate") : null,
                MaxFailures = maxFailures,
                Shard = shard,
                PreserveOrder = parse.GetValue(Ordered),
            },
            ExplicitConcurrency = explicitConcurrency,
            OutputPath = output,
            Format = format,
            Progress = progress,
            Quiet = quiet,
            StatsPath = ValueParsers.OutputFile(parse.GetValue(Stats), "--stats"),
            ReportPath = ValueParsers.OutputFile(parse.GetValue(Report), "--report"),
            JobLogPath = parse.GetValue(JobLog),
            Queue = parse.GetValue(QueueTarget),
            Lease = ValueParsers.Duration(parse.GetValue(Lease)!, "--lease") is { } leaseTime && leaseTime >= TimeSpan.FromSeconds(1) ? leaseTime : throw new UsageException("--lease: must be at least 1s"),
            Resume = parse.GetValue(ResumeFailed) ? ResumeMode.SkipOk : parse.GetValue(Resume) ? ResumeMode.SkipFinished : ResumeMode.None,
        };
    }
}

/// <summary>What the shared options mean for one job: its defaults, what its items are called, what a retry repeats.</summary>
internal sealed record JobWords
{
    /// <summary>What the items are called ("requests", "files").</summary>
    public required string Noun { get; init; }

    /// <summary>The default of <c>-j</c>; <see langword="null"/> when the job decides (a load, by its database).</summary>
    public int? Concurrency { get; init; }

    /// <summary>What <c>-j</c> means, when it is not "how many items run at once".</summary>
    public string? ConcurrencyHelp { get; init; }

    public int Retries { get; init; }

    /// <summary>What a retry repeats and when, for this job.</summary>
    public required string RetriesHelp { get; init; }

    public TimeSpan? Timeout { get; init; }

    /// <summary>What <c>--timeout</c> limits.</summary>
    public string TimeoutHelp { get; init; } = "Time limit of one attempt";

    /// <summary>What <c>--max-failures</c> counts, when it is not failed items.</summary>
    public string? MaxFailuresHelp { get; init; }

    /// <summary>How <c>--shard</c> splits, when it is not by each item's key.</summary>
    public string? ShardHelp { get; init; }

    /// <summary>The default of <c>--progress</c> (<c>run</c> keeps the terminal for the commands' output: none).</summary>
    public string Progress { get; init; } = "auto";

    /// <summary>Whether a latency is measured (from an item's rate slot, under <c>--rate</c>).</summary>
    public bool LatencyFromSlot { get; init; }

    /// <summary>Whether the work's limit is this machine (commands), for <c>-j auto</c> (<see cref="AutoConcurrency.Local"/>).</summary>
    public bool LocalWork { get; init; }
}
