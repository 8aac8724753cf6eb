using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Cli;

/// <summary>The validated form of <see cref="CommonOptions"/>.</summary>
internal sealed record CommonSettings
{
    public required WorkPoolOptions Pool { get; init; }

    /// <summary>The <c>-j</c> given, or its default; <see langword="null"/> for a job that decides itself when none is given.</summary>
    public int? ExplicitConcurrency { get; init; }

    public string? OutputPath { get; init; }

    public required OutputFormat Format { get; init; }

    /// <summary><c>bar</c>, <c>plain</c> or <c>none</c>.</summary>
    public required string Progress { get; init; }

    public bool Quiet { get; init; }

    public string? StatsPath { get; init; }

    /// <summary><c>--queue DB#NAME</c>: items from a shared queue.</summary>
    public string? Queue { get; init; }

    /// <summary><c>--lease</c>: how long a leased queue item stays this worker's without a heartbeat.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary><c>--report FILE.html</c>: the run's HTML report.</summary>
    public string? ReportPath { get; init; }

    /// <summary><c>--joblog FILE</c>: the journal of finished items.</summary>
    public string? JobLogPath { get; init; }

    /// <summary>What <c>--resume</c> / <c>--resume-failed</c> skip.</summary>
    public ResumeMode Resume { get; init; }
}

/// <summary>Which items of an earlier run's journal a resumed run skips.</summary>
internal enum ResumeMode
{
    /// <summary>None: every item runs.</summary>
    None,

    /// <summary><c>--resume</c>: every item the journal lists as finished, ok or failed.</summary>
    SkipFinished,

    /// <summary><c>--resume-failed</c>: the items the journal lists as ok; failed ones run again.</summary>
    SkipOk,
}
