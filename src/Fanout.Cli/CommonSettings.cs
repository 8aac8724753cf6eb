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
}
