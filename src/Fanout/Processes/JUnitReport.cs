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
    /// <summary>Writes the report atomically.</summary>
    /// <param name="path">The file.</param>
    /// <param name="suiteName">The testsuite name.</param>
    /// <param name="results">Every test's result.</param>
    /// <param name="wallTime">The run's wall time.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task for the write.</returns>
    public static async Task WriteAsync(string path, string suiteName, IReadOnlyList<WorkResult<CommandItem, CommandResult>> results, TimeSpan wallTime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        var file = AtomicFile.Create(path);
        await using (file.ConfigureAwait(false))
        {
            using (var xml = XmlWriter.Create(file.Stream, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), CloseOutput = false }))
            {
                var failures = results.Count(r => r.Value?.Outcome is CommandOutcome.Failed or CommandOutcome.TimedOut);
                var errors = results.Count(r => r.Value is null);
                var skipped = results.Count(r => r.Value?.Outcome == CommandOutcome.Skipped);
                xml.WriteStartElement("testsuite");
                xml.WriteAttributeString("name", Clean(suiteName));
                xml.WriteAttributeString("tests", Number(results.Count));
                xml.WriteAttributeString("failures", Number(failures));
                xml.WriteAttributeString("errors", Number(errors));
                xml.WriteAttributeString("skipped", Number(skipped));
                xml.WriteAttributeString("time", Seconds(wallTime));
                xml.WriteAttributeString("timestamp", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
                foreach (var result in results)
                {
                    WriteCase(xml, suiteName, result);
                }

                xml.WriteEndElement();
            }

            await file.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void WriteCase(XmlWriter xml, string suiteName, WorkResult<CommandItem, CommandResult> result)
    {
        var value = result.Value;
        xml.WriteStartElement("testcase");
        xml.WriteAttributeString("name", Clean(result.Key));
        xml.WriteAttributeString("classname", Clean(suiteName));
        xml.WriteAttributeString("time", Seconds(value?.Duration ?? result.RunTime));
        switch (value?.Outcome)
        {
            case null:
                xml.WriteStartElement("error");
                xml.WriteAttributeString("message", Clean(result.Error?.Message ?? "no result"));
                xml.WriteAttributeString("type", Clean(result.Error?.Kind ?? "error"));
                xml.WriteEndElement();
                break;
            case CommandOutcome.Failed or CommandOutcome.TimedOut:
                xml.WriteStartElement("failure");
                xml.WriteAttributeString("message", Clean(result.Error?.Message ?? "failed"));
                xml.WriteAttributeString("type", value.Outcome == CommandOutcome.TimedOut ? "timeout" : "failed");
                xml.WriteString(Clean(Tail(value.Stderr)));
                xml.WriteEndElement();
                foreach (var rerun in value.EarlierRuns)
                {
                    WriteRerun(xml, "rerunFailure", rerun);
                }

                break;
            case CommandOutcome.Skipped:
                xml.WriteStartElement("skipped");
                xml.WriteAttributeString("message", string.Create(CultureInfo.InvariantCulture, $"exit code {value.ExitCode}"));
                xml.WriteEndElement();
                break;
            default:
                foreach (var rerun in value.EarlierRuns)
                {
                    WriteRerun(xml, "flakyFailure", rerun);
                }

                break;
        }

        if (value is not null)
        {
            xml.WriteElementString("system-out", Clean(value.Stdout));
            xml.WriteElementString("system-err", Clean(value.Stderr));
        }

        xml.WriteEndElement();
    }

    private static void WriteRerun(XmlWriter xml, string element, CommandResult run)
    {
        xml.WriteStartElement(element);
        xml.WriteAttributeString("message", Clean(run.Outcome == CommandOutcome.TimedOut ? "timed out" : CommandRunner.ExitDescription(run.ExitCode)));
        xml.WriteAttributeString("type", run.Outcome == CommandOutcome.TimedOut ? "timeout" : "failed");
        xml.WriteElementString("system-out", Clean(run.Stdout));
        xml.WriteElementString("system-err", Clean(run.Stderr));
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
