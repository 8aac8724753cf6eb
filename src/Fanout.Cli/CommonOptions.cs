using System.CommandLine;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Cli;

/// <summary>
/// The options every job shares, with the same names everywhere. Parsing them is one step; turning
/// them into validated <see cref="CommonSettings"/> is another (<see cref="Validate"/>).
/// </summary>
internal sealed class CommonOptions
{
    /// <param name="defaultConcurrency">The default of <c>-j</c>; <see langword="null"/> when the job decides (a load, by its database).</param>
    /// <param name="outputShortAlias">Whether <c>-o</c> means <c>--output</c>; <c>download</c> uses <c>-o</c> for its directory, as wget and curl users expect.</param>
    /// <param name="concurrencyHelp">What <c>-j</c> means for the job, when it is not "how many items run at once".</param>
    /// <param name="attempts">Whether the job makes attempts at items that <c>--retries</c> and <c>--timeout</c> govern.</param>
    public CommonOptions(int? defaultConcurrency, int defaultRetries, TimeSpan? defaultTimeout, bool outputShortAlias = true, string? concurrencyHelp = null, bool attempts = true)
    {
        DefaultTimeout = defaultTimeout;
        _attempts = attempts;
        Concurrency = new("--concurrency", "-j") { Description = concurrencyHelp ?? "How many items run at once" };
        if (defaultConcurrency is { } concurrency)
        {
            Concurrency.DefaultValueFactory = _ => concurrency;
        }

        Retries = new("--retries")
        {
            Description = "Retries of a transient failure (network error, timeout, 408, 429, 5xx), with exponential backoff and jitter; Retry-After is honoured",
            DefaultValueFactory = _ => defaultRetries,
        };
        Timeout = new("--timeout")
        {
            Description = "Time limit of one attempt, e.g. 30s, 500ms, 2m; 0 for none" + (defaultTimeout is { } t ? $" [default: {ValueParsers.Show(t)}]" : string.Empty),
        };
        Rate = new("--rate") { Description = "Start at most this many items, e.g. 50/s or 600/m; latency is then measured from each item's slot" };
        Output = outputShortAlias ? new("--output", "-o") : new("--output");
        Output.Description = "Write results to FILE (written whole at the end: no half-written file) instead of stdout";
        Format = new("--format") { Description = "Result format: jsonl, csv or table [default: table on a terminal, else jsonl; by extension for --output]" };
        Format.AcceptOnlyFromAmong("jsonl", "csv", "table");
        Progress = new("--progress")
        {
            Description = "Progress on stderr: bar (terminal), plain (a line every few seconds), none, or auto",
            DefaultValueFactory = _ => "auto",
        };
        Progress.AcceptOnlyFromAmong("auto", "bar", "plain", "none");
        MaxFailures = new("--max-failures") { Description = "Stop after N failed items: nothing new starts, running items are cancelled" };
        FailFast = new("--fail-fast") { Description = "Same as --max-failures 1" };
        Shard = new("--shard") { Description = "Run only shard i of n (1 <= i <= n), chosen by a stable hash of each item's key, e.g. --shard 2/4 on the second of four machines" };
        Ordered = new("--ordered") { Description = "Write results in input order (a bounded window) instead of as they complete" };
        Stats = new("--stats") { Description = "Also write the summary as JSON to FILE" };
        Quiet = new("--quiet", "-q") { Description = "No progress and no summary on stderr (errors in the input are still reported)" };
    }

    private readonly bool _attempts;

    public TimeSpan? DefaultTimeout { get; }

    public Option<int?> Concurrency { get; }

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

    public Option<bool> Quiet { get; }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Concurrency, Retries, Timeout, Rate, Output, Format, Progress, MaxFailures, FailFast, Shard, Ordered, Stats, Quiet })
        {
            if (_attempts || (option != Retries && option != Timeout))
            {
                command.Options.Add(option);
            }
        }
    }

    /// <summary>Validates the raw values; a bad one is a <see cref="UsageException"/> naming the option.</summary>
    public CommonSettings Validate(ParseResult parse)
    {
        var explicitConcurrency = parse.GetValue(Concurrency);
        var concurrency = explicitConcurrency ?? 1;
        if (concurrency < 1)
        {
            throw new UsageException($"--concurrency: must be at least 1 (got {concurrency})");
        }

        var retries = _attempts ? parse.GetValue(Retries) : 0;
        if (retries < 0)
        {
            throw new UsageException($"--retries: must be 0 or more (got {retries})");
        }

        var timeout = _attempts && parse.GetValue(Timeout) is { } timeoutText ? ValueParsers.Duration(timeoutText, "--timeout") : DefaultTimeout;
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
                shard = Engine.Shard.Parse(shardText);
            }
            catch (FormatException ex)
            {
                throw new UsageException($"--shard: {ex.Message}");
            }
        }

        var output = parse.GetValue(Output);
        var format = parse.GetValue(Format) switch
        {
            "jsonl" => OutputFormat.Jsonl,
            "csv" => OutputFormat.Csv,
            "table" => OutputFormat.Table,
            _ when output is not null => output.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Csv : OutputFormat.Jsonl,
            _ => System.Console.IsOutputRedirected ? OutputFormat.Jsonl : OutputFormat.Table,
        };

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
            StatsPath = parse.GetValue(Stats),
        };
    }
}
