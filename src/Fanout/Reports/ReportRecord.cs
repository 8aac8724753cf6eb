using System.Globalization;
using System.Text.Json;

namespace Fanout.Reports;

/// <summary>The fields of one result record a report reads; the others (bodies, output, matches) are skipped unread.</summary>
internal struct ReportRecord
{
    public string? Key;
    public bool? Ok;
    public long? Attempts;
    public double? ElapsedMs;
    public double? QueuedMs;
    public long? Worker;
    public DateTimeOffset? StartedAt;
    public DateTimeOffset? EndedAt;
    public string? Error;
    public string? ErrorKind;
    public long? Status;
    public long? ExitCode;
    public string? Outcome;
    public bool? Flaky;
    public long? Bytes;
    public long? Stored;
    public long? Rejected;
    public long? NotLoaded;

    /// <summary>Reads a record; throws <see cref="JsonException"/> when it is not a JSON object.</summary>
    public static ReportRecord Parse(ReadOnlySpan<byte> json)
    {
        var record = default(ReportRecord);
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("not a JSON object");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            switch (name)
            {
                case "key": record.Key = Text(ref reader); break;
                case "ok": record.Ok = Boolean(ref reader); break;
                case "attempts": record.Attempts = Integer(ref reader); break;
                case "elapsed_ms": record.ElapsedMs = Number(ref reader); break;
                case "queued_ms": record.QueuedMs = Number(ref reader); break;
                case "worker": record.Worker = Integer(ref reader); break;
                case "started_at": record.StartedAt = Time(ref reader); break;
                case "ended_at": record.EndedAt = Time(ref reader); break;
                case "error": record.Error = Text(ref reader); break;
                case "error_kind": record.ErrorKind = Text(ref reader); break;
                case "status": record.Status = Integer(ref reader); break;
                case "exit_code": record.ExitCode = Integer(ref reader); break;
                case "outcome": record.Outcome = Text(ref reader); break;
                case "flaky": record.Flaky = Boolean(ref reader); break;
                case "bytes": record.Bytes = Integer(ref reader); break;
                case "stored": record.Stored = Integer(ref reader); break;
                case "rejected": record.Rejected = Integer(ref reader); break;
                case "not_loaded": record.NotLoaded = Integer(ref reader); break;
                default: break;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException("not a JSON object");
        }

        return record;
    }

    private static bool? Boolean(ref Utf8JsonReader reader) => reader.TokenType is JsonTokenType.True or JsonTokenType.False ? reader.GetBoolean() : null;

    private static string? Text(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.String ? reader.GetString() : null;

    private static double? Number(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value) ? value : null;

    private static long? Integer(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value) ? (long)value : null;

    private static DateTimeOffset? Time(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;
}
