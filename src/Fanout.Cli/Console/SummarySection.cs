using System.Globalization;
using System.Text.Json;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Cli.Console;

/// <summary>
/// A job's own part of the summary: lines on stderr and one member of the <c>--stats</c> JSON (docs/STATS.md). Every
/// JSON key is snake_case and says its unit; labels that are free text (error messages, URLs) are values, never keys.
/// </summary>
/// <param name="Title">Shown above the lines.</param>
/// <param name="JsonName">Its member in the <c>--stats</c> JSON.</param>
internal abstract record SummarySection(string Title, string JsonName)
{
    /// <summary>Only in the <c>--stats</c> JSON: the text summary says it another way.</summary>
    public bool Hidden { get; init; }

    /// <summary>The lines under the title (none: the section is not printed).</summary>
    public abstract IReadOnlyList<string> Lines();

    /// <summary>Writes the section's value (an object or an array) after its name.</summary>
    public abstract void WriteJson(Utf8JsonWriter json);
}

/// <summary>Counts by label (status codes, error messages), most frequent first or by label.</summary>
/// <param name="LabelName">
/// <see langword="null"/>: the JSON is an object of label to count (for labels that are codes or names); else an array of
/// objects with the label under this name and a <c>count</c> (for free text such as error messages).
/// </param>
internal sealed record CountsSection(string Title, string JsonName, IReadOnlyList<KeyValuePair<string, long>> Rows, string? LabelName = null, int Omitted = 0) : SummarySection(Title, JsonName)
{
    public override IReadOnlyList<string> Lines()
    {
        if (Rows.Count == 0)
        {
            return [];
        }

        var width = Rows.Max(r => r.Key.Length);
        var lines = Rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"  {Terminal.Escape(r.Key).PadRight(width)}  {r.Value}")).ToList();
        if (Omitted > 0)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"  … and {Omitted} more"));
        }

        return lines;
    }

    public override void WriteJson(Utf8JsonWriter json)
    {
        if (LabelName is null)
        {
            json.WriteStartObject();
            foreach (var (label, count) in Rows)
            {
                json.WriteNumber(label, count);
            }

            json.WriteEndObject();
            return;
        }

        json.WriteStartArray();
        foreach (var (label, count) in Rows)
        {
            json.WriteStartObject();
            json.WriteString(LabelName, label);
            json.WriteNumber("count", count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}

/// <summary>A few named figures (bytes, a speed), one line of text.</summary>
internal sealed record FiguresSection(string Title, string JsonName, string Text, IReadOnlyList<KeyValuePair<string, double>> Figures) : SummarySection(Title, JsonName)
{
    public override IReadOnlyList<string> Lines() => ["  " + Text];

    public override void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        foreach (var (name, value) in Figures)
        {
            json.WriteNumber(name, Math.Round(value, 3));
        }

        json.WriteEndObject();
    }
}

/// <summary>Entries with named fields (failed downloads with URL and reason), a line of text each.</summary>
internal sealed record EntriesSection(string Title, string JsonName, IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> Entries, Func<IReadOnlyList<KeyValuePair<string, string>>, string> Text) : SummarySection(Title, JsonName)
{
    /// <summary>The fields whose values are numbers in the JSON (a count), not strings.</summary>
    public IReadOnlySet<string> Numbers { get; init; } = new HashSet<string>();

    public override IReadOnlyList<string> Lines() => [.. Entries.Select(e => "  " + Terminal.Escape(Text(e)))];

    public override void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartArray();
        foreach (var entry in Entries)
        {
            json.WriteStartObject();
            foreach (var (name, value) in entry)
            {
                if (Numbers.Contains(name) && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
                {
                    json.WriteNumber(name, number);
                }
                else
                {
                    json.WriteString(name, value);
                }
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}

/// <summary>
/// <c>-j auto</c>: where each limit (per host, or the run's one) went and settled; in <c>--stats</c> with its history
/// (milliseconds since the start, limit), the figures a report draws.
/// </summary>
internal sealed record AutoLimitSection(IReadOnlyList<AutoConcurrency.AutoLimitState> Limits) : SummarySection("Concurrency (-j auto)", "auto_concurrency")
{
    public override IReadOnlyList<string> Lines()
    {
        if (Limits.Count == 0)
        {
            return [];
        }

        var names = Limits.Select(l => l.Partition.Length == 0 ? "limit" : Terminal.Escape(l.Partition)).ToList();
        var width = names.Max(n => n.Length);
        return [.. Limits.Select((l, i) => string.Create(CultureInfo.InvariantCulture, $"  {names[i].PadRight(width)}  {l.Lowest}..{l.Highest}, settled at {l.Limit} ({l.History.Count} changes)"))];
    }

    public override void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartArray();
        foreach (var limit in Limits)
        {
            json.WriteStartObject();
            json.WriteString("partition", limit.Partition);
            json.WriteNumber("limit", limit.Limit);
            json.WriteNumber("lowest", limit.Lowest);
            json.WriteNumber("highest", limit.Highest);
            json.WriteStartArray("history");
            foreach (var (at, value) in limit.History)
            {
                json.WriteStartArray();
                json.WriteNumberValue(Math.Round(at.TotalMilliseconds, 1));
                json.WriteNumberValue(value);
                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
