using System.Globalization;
using System.Text;
using System.Xml;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Processes;

/// <summary>
/// JUnit XML as CI systems read it: one testsuite with counts and time, a testcase per test with its
/// failure, skip, system-out and system-err (inside the testcase, where GitLab looks), and
/// <c>flakyFailure</c>/<c>rerunFailure</c> for reruns (Maven Surefire's form). Characters XML forbids are dropped.
/// </summary>
public static class JUnitReport
{
    /// <summary>Writes the report of a test run atomically.</summary>
    /// <param name="path">The file.</param>
    /// <param name="suiteName">The testsuite name.</param>
    /// <param name="results">Every test's result.</param>
    /// <param name="wallTime">The run's wall time.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task for the write.</returns>
    public static Task WriteAsync(string path, string suiteName, IReadOnlyList<WorkResult<CommandItem, CommandResult>> results, TimeSpan wallTime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        return WriteCasesAsync(path, suiteName, [.. results.Select(r => CommandCase(suiteName, r))], wallTime, cancellationToken);
    }

    /// <summary>Writes a report of any cases atomically (what every job's <c>--junit</c> writes).</summary>
    /// <param name="path">The file.</param>
    /// <param name="suiteName">The testsuite name.</param>
    /// <param name="cases">The test cases.</param>
    /// <param name="wallTime">The run's wall time.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task for the write.</returns>
    public static async Task WriteCasesAsync(string path, string suiteName, IReadOnlyList<JUnitCase> cases, TimeSpan wallTime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var file = AtomicFile.Create(path);
        await using (file.ConfigureAwait(false))
        {
            using (var xml = XmlWriter.Create(file.Stream, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), CloseOutput = false }))
            {
                xml.WriteStartElement("testsuite");
                xml.WriteAttributeString("name", Clean(suiteName));
                xml.WriteAttributeString("tests", Number(cases.Count));
                xml.WriteAttributeString("failures", Number(cases.Count(c => c.Problem?.Element == "failure")));
                xml.WriteAttributeString("errors", Number(cases.Count(c => c.Problem?.Element == "error")));
                xml.WriteAttributeString("skipped", Number(cases.Count(c => c.Problem?.Element == "skipped")));
                xml.WriteAttributeString("time", Seconds(wallTime));
                xml.WriteAttributeString("timestamp", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
                foreach (var testCase in cases)
                {
                    WriteCase(xml, testCase);
                }

                xml.WriteEndElement();
            }

            await file.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static JUnitCase CommandCase(string suiteName, WorkResult<CommandItem, CommandResult> result)
    {
        var value = result.Value;
        var problem = value?.Outcome switch
        {
            null => new JUnitProblem("error", result.Error?.Message ?? "no result", result.Error?.Kind ?? "error"),
            CommandOutcome.Failed or CommandOutcome.TimedOut => new JUnitProblem("failure", result.Error?.Message ?? "failed", value.Outcome == CommandOutcome.TimedOut ? "timeout" : "failed", Tail(value.Stderr)),
            CommandOutcome.Skipped => new JUnitProblem("skipped", string.Create(CultureInfo.InvariantCulture, $"exit code {value.ExitCode}"), null),
            _ => null,
        };
        var rerunElement = value?.Outcome is CommandOutcome.Failed or CommandOutcome.TimedOut ? "rerunFailure" : "flakyFailure";
        var reruns = value is null || value.Outcome == CommandOutcome.Skipped ? []
            : value.EarlierRuns.Select(run => new JUnitRerun(
                rerunElement,
                run.Outcome == CommandOutcome.TimedOut ? "timed out" : CommandRunner.ExitDescription(run.ExitCode),
                run.Outcome == CommandOutcome.TimedOut ? "timeout" : "failed",
                run.Stdout,
                run.Stderr)).ToList();
        return new JUnitCase(result.Key, suiteName, value?.Duration ?? result.RunTime, problem, value?.Stdout, value?.Stderr, reruns);
    }

    private static void WriteCase(XmlWriter xml, JUnitCase testCase)
    {
        xml.WriteStartElement("testcase");
        xml.WriteAttributeString("name", Clean(testCase.Name));
        xml.WriteAttributeString("classname", Clean(testCase.ClassName));
        xml.WriteAttributeString("time", Seconds(testCase.Time));
        if (testCase.Problem is { } problem)
        {
            xml.WriteStartElement(problem.Element);
            xml.WriteAttributeString("message", Clean(problem.Message));
            if (problem.Type is { } type)
            {
                xml.WriteAttributeString("type", Clean(type));
            }

            if (problem.Text is { } text)
            {
                xml.WriteString(Clean(text));
            }

            xml.WriteEndElement();
        }

        foreach (var rerun in testCase.Reruns)
        {
            xml.WriteStartElement(rerun.Element);
            xml.WriteAttributeString("message", Clean(rerun.Message));
            xml.WriteAttributeString("type", rerun.Type);
            xml.WriteElementString("system-out", Clean(rerun.Stdout));
            xml.WriteElementString("system-err", Clean(rerun.Stderr));
            xml.WriteEndElement();
        }

        if (testCase.Stdout is not null || testCase.Stderr is not null)
        {
            xml.WriteElementString("system-out", Clean(testCase.Stdout ?? string.Empty));
            xml.WriteElementString("system-err", Clean(testCase.Stderr ?? string.Empty));
        }

        xml.WriteEndElement();
    }

    /// <summary>Drops the characters XML 1.0 cannot hold (most C0 controls, lone surrogates, U+FFFE/U+FFFF); the writer escapes the rest.</summary>
    internal static string Clean(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else if (XmlConvert.IsXmlChar(c))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
}

/// <summary>One testcase of a JUnit report.</summary>
/// <param name="Name">Its name (the item's key).</param>
/// <param name="ClassName">Its class name (the suite).</param>
/// <param name="Time">How long it took.</param>
/// <param name="Problem">Its failure, error or skip; null when it passed.</param>
/// <param name="Stdout">What it wrote to stdout (system-out), if anything is kept.</param>
/// <param name="Stderr">What it wrote to stderr (system-err).</param>
/// <param name="Reruns">Earlier runs (flakyFailure or rerunFailure, Maven Surefire's form).</param>
public sealed record JUnitCase(string Name, string ClassName, TimeSpan Time, JUnitProblem? Problem, string? Stdout, string? Stderr, IReadOnlyList<JUnitRerun> Reruns);

/// <summary>A testcase's failure, error or skip.</summary>
/// <param name="Element"><c>failure</c>, <c>error</c> or <c>skipped</c>.</param>
/// <param name="Message">Its message.</param>
/// <param name="Type">Its type, if any.</param>
/// <param name="Text">Its body text, if any.</param>
public sealed record JUnitProblem(string Element, string Message, string? Type, string? Text = null);

/// <summary>An earlier run of a rerun test.</summary>
/// <param name="Element"><c>flakyFailure</c> or <c>rerunFailure</c>.</param>
/// <param name="Message">Why it failed.</param>
/// <param name="Type">Its type.</param>
/// <param name="Stdout">Its stdout.</param>
/// <param name="Stderr">Its stderr.</param>
public sealed record JUnitRerun(string Element, string Message, string Type, string Stdout, string Stderr);
