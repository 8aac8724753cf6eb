using System.Globalization;
using System.Text.Json;
using Fanout.Engine;

namespace Fanout.Records;

/// <summary>
/// <c>--joblog FILE</c>: an append-only journal of finished items, one JSON line each (<c>key, ok, outcome, attempts,
/// started_at, ended_at, elapsed_ms, status, worker, error_kind</c>), what <c>--resume</c> reads to skip work already
/// done. Every line reaches the operating system as it is written (a SIGKILL loses none); <c>fsync</c> runs at most
/// once a second and at the end (a power loss loses at most the last second). A line cut by a kill mid-write is
/// ignored when the journal is read.
/// </summary>
public sealed class JobLog : IDisposable
{
    private static readonly TimeSpan SyncInterval = TimeSpan.FromSeconds(1);
    private readonly FileStream _stream;
    private readonly Utf8JsonWriter _json;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private long _lastSync;

    private JobLog(FileStream stream, TimeProvider time)
    {
        _stream = stream;
        _time = time;
        _json = new Utf8JsonWriter(stream, JsonText.Readable);
        _lastSync = time.GetTimestamp();
    }

    /// <summary>Opens (or creates) the journal for appending; a cut last line is ended first so the next line stands alone.</summary>
    /// <param name="path">The journal file.</param>
    /// <param name="time">The clock for the sync interval.</param>
    /// <returns>The journal.</returns>
    /// <exception cref="IOException">It cannot be opened.</exception>
    public static JobLog Open(string path, TimeProvider? time = null)
    {
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            if (stream.Length > 0)
            {
                stream.Seek(-1, SeekOrigin.End);
                var last = stream.ReadByte();
                stream.Seek(0, SeekOrigin.End);
                if (last != '\n')
                {
                    stream.WriteByte((byte)'\n');
                }
            }

            return new JobLog(stream, time ?? TimeProvider.System);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The outcome of each key in a journal, the last line of a key winning: <see langword="true"/> for ok.</summary>
    /// <param name="path">The journal file; a missing file is an empty journal.</param>
    /// <returns>Key to outcome.</returns>
    public static Dictionary<string, bool> ReadOutcomes(string path)
    {
        var outcomes = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return outcomes;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String
                    && root.TryGetProperty("ok", out var ok) && ok.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    outcomes[key.GetString()!] = ok.GetBoolean();
                }
            }
            catch (JsonException)
            {
                // A line cut by a kill mid-write: that item is not known to have finished.
            }
        }

        return outcomes;
    }

    /// <summary>Journals one finished item.</summary>
    /// <param name="result">The item's result.</param>
    /// <param name="outcome">The job's name for the outcome (<c>passed</c>, <c>failed</c>, ...), or <see langword="null"/> for ok/failed.</param>
    /// <param name="status">The job's status figure (HTTP status, exit code), if any.</param>
    public void Write<TItem, TResult>(WorkResult<TItem, TResult> result, string? outcome = null, int? status = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        lock (_gate)
        {
            _json.Reset();
            _json.WriteStartObject();
            _json.WriteString("key", result.Key);
            _json.WriteBoolean("ok", result.Ok);
            _json.WriteString("outcome", outcome ?? (result.Skipped ? "skipped" : result.Ok ? "ok" : "failed"));
            _json.WriteNumber("attempts", result.Attempts);
            // The same times as the records, through the records' formatter (no format string parsed per line).
            Span<char> time = stackalloc char[RecordWriter.TimeLength];
            _json.WriteString("started_at", RecordWriter.FormatTime(result.StartedAt, time));
            _json.WriteString("ended_at", RecordWriter.FormatTime(result.EndedAt, time));
            _json.WriteNumber("elapsed_ms", Math.Round(result.RunTime.TotalMilliseconds, 3));
            if (status is { } code)
            {
                _json.WriteNumber("status", code);
            }
            else
            {
                _json.WriteNull("status");
            }

            _json.WriteNumber("worker", result.Worker);
            _json.WriteString("error_kind", result.Error?.Kind);
            _json.WriteEndObject();
            _json.Flush();
            _stream.WriteByte((byte)'\n');
            // To the operating system now (a killed process loses nothing written); to the disk once a second.
            _stream.Flush(flushToDisk: false);
            if (_time.GetElapsedTime(_lastSync) >= SyncInterval)
            {
                _stream.Flush(flushToDisk: true);
                _lastSync = _time.GetTimestamp();
            }
        }
    }

    /// <summary>Syncs the journal to disk and closes it.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _json.Dispose();
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
        }
    }
}
