using System.Text.Json;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Processes;

/// <summary>
/// Past durations and last outcomes of tests, by name, in a small JSON file
/// (<c>.fanout/durations.json</c>): longest tests start first, shards balance by time, and
/// <c>--rerun-failed</c> knows what failed last time.
/// </summary>
public sealed class DurationStore
{
    private readonly Dictionary<string, Entry> _entries;

    private DurationStore(Dictionary<string, Entry> entries) => _entries = entries;

    /// <summary>A test's last known duration and outcome.</summary>
    /// <param name="DurationMs">Duration of its last run, in milliseconds.</param>
    /// <param name="Outcome">Its last outcome: passed, failed, skipped or timed_out.</param>
    public sealed record Entry(double DurationMs, string Outcome);

    /// <summary>Known tests.</summary>
    public IReadOnlyDictionary<string, Entry> Entries => _entries;

    /// <summary>A store with no entries, for runs that keep none.</summary>
    /// <returns>The store.</returns>
    public static DurationStore Empty() => new(new Dictionary<string, Entry>(StringComparer.Ordinal));

    /// <summary>Reads the file; a missing file is an empty store, an unreadable one an error naming it.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The store.</returns>
    /// <exception cref="InvalidDataException">The file is not a durations file.</exception>
    public static DurationStore Load(string path)
    {
        if (!File.Exists(path))
        {
            return Empty();
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
            foreach (var test in document.RootElement.GetProperty("tests").EnumerateObject())
            {
                entries[test.Name] = new Entry(test.Value.GetProperty("duration_ms").GetDouble(), test.Value.GetProperty("outcome").GetString() ?? "unknown");
            }

            return new DurationStore(entries);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path} is not a durations file: {ex.Message}", ex);
        }
    }

    /// <summary>Whether the test failed, timed out or could not run last time (for <c>--rerun-failed</c>).</summary>
    /// <param name="name">The test.</param>
    /// <returns>Whether it did.</returns>
    public bool FailedLastTime(string name) => _entries.TryGetValue(name, out var entry) && entry.Outcome is "failed" or "timed_out" or "error";

    /// <summary>Records the outcome of a test's run (nothing when it never ran).</summary>
    /// <param name="result">The test's result.</param>
    public void Record(WorkResult<CommandItem, CommandResult> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Value is { } value)
        {
            Record(result.Key, value.Duration, value.OutcomeName);
        }
    }

    /// <summary>Records a run's outcome.</summary>
    /// <param name="name">The test.</param>
    /// <param name="duration">How long it took.</param>
    /// <param name="outcome">passed, failed, skipped or timed_out.</param>
    public void Record(string name, TimeSpan duration, string outcome) => _entries[name] = new Entry(Math.Round(duration.TotalMilliseconds, 1), outcome);

    /// <summary>Writes the file atomically (tests not in this run keep their entries).</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task for the write.</returns>
    public async Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        var file = AtomicFile.Create(path);
        await using (file.ConfigureAwait(false))
        {
            await using (var json = new Utf8JsonWriter(file.Stream, JsonText.Readable with { Indented = true }))
            {
                json.WriteStartObject();
                json.WriteStartObject("tests");
                foreach (var (name, entry) in _entries.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    json.WriteStartObject(name);
                    json.WriteNumber("duration_ms", entry.DurationMs);
                    json.WriteString("outcome", entry.Outcome);
                    json.WriteEndObject();
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            await file.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
