using System.Globalization;
using System.Text;
using Fanout.Engine;
using Fanout.Processes;

namespace Fanout.Cli.Console;

/// <summary>What <c>fanout test</c> and <c>fanout run</c> print: each command's output as one block, and the test summary.</summary>
internal static class TestReport
{
    private const int SlowestShown = 5;

    public static string? Block(WorkResult<CommandItem, CommandResult> result, bool showPasses)
    {
        var value = result.Value;
        var failed = !result.Ok;
        if (!failed && !showPasses)
        {
            return null;
        }

        var label = value is null ? "ERROR" : value.OutcomeName.ToUpperInvariant().Replace('_', ' ');
        var details = value is null
            ? result.Error?.Message
            : string.Create(CultureInfo.InvariantCulture, $"{SummaryPrinter.Format(value.Duration)}, {(value.Outcome == CommandOutcome.TimedOut ? result.Error?.Message : value.ExitDescription)}{(result.Attempts > 1 ? $", {result.Attempts} runs" : string.Empty)}{(IsFlaky(result) ? ", flaky" : string.Empty)}");
        var block = new StringBuilder().Append("── ").Append(label).Append(' ').Append(result.Key).Append(" (").Append(details).Append(") ──");
        if (value is not null)
        {
            foreach (var text in new[] { value.Stdout, value.Stderr })
            {
                if (text.Length > 0)
                {
                    block.Append('\n').Append(text.TrimEnd('\n'));
                }
            }

            if (value.OutputTruncated)
            {
                block.Append("\n(output cut to its last part: --output-cap)");
            }
        }

        return block.ToString();
    }

    public static IEnumerable<string> Summary(List<WorkResult<CommandItem, CommandResult>> results, WorkStats stats, int invalid)
    {
        var c = CultureInfo.InvariantCulture;
        var passed = results.Count(r => r.Value?.Outcome == CommandOutcome.Passed);
        var skipped = results.Count(r => r.Value?.Outcome == CommandOutcome.Skipped);
        var failed = results.Count - passed - skipped + invalid;
        var sum = TimeSpan.FromTicks(results.Sum(r => (r.Value?.Duration ?? r.RunTime).Ticks));
        yield return string.Empty;
        yield return string.Create(c, $"{passed} passed, {failed} failed, {skipped} skipped");
        yield return string.Create(c, $"  flaky {results.Count(IsFlaky)}, timed out {results.Count(r => r.Value?.Outcome == CommandOutcome.TimedOut)}{(invalid > 0 ? $", invalid input lines {invalid}" : string.Empty)}");
        foreach (var slow in results.OrderByDescending(r => r.Value?.Duration ?? r.RunTime).Take(SlowestShown))
        {
            yield return string.Create(c, $"  slow: {SummaryPrinter.Format(slow.Value?.Duration ?? slow.RunTime),9}  {slow.Key}");
        }

        yield return string.Create(c, $"  wall {SummaryPrinter.Format(stats.WallTime)} vs sum of durations {SummaryPrinter.Format(sum)}");
    }

    /// <summary>Passed, but not at the first run.</summary>
    private static bool IsFlaky(WorkResult<CommandItem, CommandResult> result) => result.Ok && result.Attempts > 1;
}
