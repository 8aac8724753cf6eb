using System.Globalization;
using System.Text;
using Fanout.Engine;
using Fanout.Processes;
using Fanout.Records;

namespace Fanout.Cli.Console;

/// <summary>
/// What <c>fanout test</c> prints: each test's output as one block when it ends (failures always), and one summary in
/// test terms, and what <c>fanout run</c> passes through: each command's own output, grouped, never interleaved.
/// </summary>
internal static class TestReport
{
    private const int SlowestShown = 5;

    public static string? Block(WorkResult<CommandItem, CommandResult> result, bool showPasses)
    {
        var value = result.Value;
        if (result.Ok && !showPasses)
        {
            return null;
        }

        var label = result.Error is { Kind: WorkError.CancelledKind } ? "CANCELLED" : value is null ? "ERROR" : value.OutcomeName.ToUpperInvariant().Replace('_', ' ');
        var details = value is null
            ? result.Error?.Message
            : string.Create(CultureInfo.InvariantCulture, $"{SummaryPrinter.Format(value.Duration)}, {(value.Outcome == CommandOutcome.TimedOut || result.Error is { Kind: WorkError.CancelledKind } ? result.Error?.Message : value.ExitDescription)}{(result.Attempts > 1 ? $", {result.Attempts} runs" : string.Empty)}{(IsFlaky(result) ? ", flaky" : string.Empty)}{(value.Survivors > 0 ? $", {value.Survivors} processes it left running killed" : string.Empty)}");
        var block = new StringBuilder().Append("── ").Append(label).Append(' ').Append(Terminal.Escape(result.Key)).Append(" (").Append(Terminal.Escape(details ?? string.Empty)).Append(") ──");
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

    /// <summary>A command's own output, as <c>parallel</c> gives it: stdout to stdout, stderr to stderr, each whole.</summary>
    /// <param name="tag">Prefix each line with the command's name and a tab (<c>--tag</c>).</param>
    public static void Pass(WorkResult<CommandItem, CommandResult> result, bool tag)
    {
        if (result.Value is not { } value)
        {
            System.Console.Error.WriteLine($"fanout: {Terminal.Escape(result.Key)}: {Terminal.Escape(result.Error?.Message ?? "did not run")}");
            return;
        }

        Write(System.Console.Out, value.Stdout, tag ? result.Key : null);
        Write(System.Console.Error, value.Stderr, tag ? result.Key : null);
        if (value.OutputTruncated)
        {
            System.Console.Error.WriteLine($"fanout: {Terminal.Escape(result.Key)}: output cut to its last part (--output-cap)");
        }

        System.Console.Out.Flush();
    }

    /// <summary>The summary's first lines: how many tests, how long, and the slowest.</summary>
    public static IEnumerable<string> Headline(List<WorkResult<CommandItem, CommandResult>> results, WorkStats stats, string concurrency, bool interrupted)
    {
        var c = CultureInfo.InvariantCulture;
        var sum = TimeSpan.FromTicks(results.Sum(r => (r.Value?.Duration ?? r.RunTime).Ticks));
        yield return string.Create(c, $"Summary{(interrupted ? " (interrupted)" : string.Empty)}: {results.Count}{(stats.NotStarted > 0 ? $" of {results.Count + stats.NotStarted}" : string.Empty)} tests in {SummaryPrinter.Format(stats.WallTime)} at -j {concurrency} (sum of durations {SummaryPrinter.Format(sum)})");
        foreach (var slow in results.OrderByDescending(r => r.Value?.Duration ?? r.RunTime).Take(SlowestShown))
        {
            yield return string.Create(c, $"  slow: {SummaryPrinter.Format(slow.Value?.Duration ?? slow.RunTime),9}  {Terminal.Escape(slow.Key)}");
        }
    }

    /// <summary>The line that ends a test run: every test counted once, in one place (skipped, cancelled and not started apart from failed).</summary>
    public static IEnumerable<string> Counts(List<WorkResult<CommandItem, CommandResult>> results, WorkStats stats)
    {
        var c = CultureInfo.InvariantCulture;
        var tally = Tally(results, stats);
        var line = new StringBuilder(string.Create(c, $"{tally["passed"]} passed, {tally["failed"]} failed, {tally["skipped"]} skipped"));
        foreach (var (label, key) in new[] { ("cancelled", "cancelled"), ("not started", "not_started"), ("invalid input lines", "invalid_inputs") })
        {
            if (tally[key] > 0)
            {
                line.Append(string.Create(c, $", {tally[key]} {label}"));
            }
        }

        var notes = new[] { ("flaky", tally["flaky"]), ("timed out", tally["timed_out"]) }
            .Where(n => n.Item2 > 0)
            .Select(n => string.Create(c, $"{n.Item1} {n.Item2}"))
            .ToList();
        if (notes.Count > 0)
        {
            line.Append(" (").AppendJoin(", ", notes).Append(')');
        }

        yield return string.Empty;
        yield return line.ToString();
    }

    /// <summary>The same counts for <c>--stats</c> (a <c>tests</c> member; the text says them in the line above).</summary>
    public static CountsSection Section(List<WorkResult<CommandItem, CommandResult>> results, WorkStats stats) =>
        new("Tests", "tests", [.. Tally(results, stats)]) { Hidden = true };

    private static Dictionary<string, long> Tally(List<WorkResult<CommandItem, CommandResult>> results, WorkStats stats)
    {
        var cancelled = results.Count(r => r.Error is { Kind: WorkError.CancelledKind });
        var passed = results.Count(r => r.Ok && r.Value?.Outcome == CommandOutcome.Passed);
        var skipped = results.Count(r => r.Ok && r.Value?.Outcome == CommandOutcome.Skipped);
        return new Dictionary<string, long>
        {
            ["passed"] = passed,
            ["failed"] = results.Count - passed - skipped - cancelled,
            ["skipped"] = skipped,
            ["cancelled"] = cancelled,
            ["not_started"] = stats.NotStarted,
            ["invalid_inputs"] = stats.InvalidInputs,
            ["flaky"] = results.Count(IsFlaky),
            ["timed_out"] = results.Count(r => r.Value?.Outcome == CommandOutcome.TimedOut),
        };
    }

    /// <summary>Passed, but not at the first run.</summary>
    private static bool IsFlaky(WorkResult<CommandItem, CommandResult> result) => result.Ok && result.Attempts > 1;

    private static void Write(TextWriter writer, string text, string? tag)
    {
        if (text.Length == 0)
        {
            return;
        }

        if (tag is null)
        {
            writer.Write(text);
            if (!text.EndsWith('\n'))
            {
                writer.Write('\n');
            }

            return;
        }

        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            writer.Write(tag);
            writer.Write('\t');
            writer.Write(line);
            writer.Write('\n');
        }
    }
}
