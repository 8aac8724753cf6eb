namespace Fanout.Records;

/// <summary>
/// Receives the fields of one output record. Each job describes its records once through this
/// interface; JSONL, CSV and table output are then the same code for every job.
/// </summary>
public interface IRecordFieldWriter
{
    /// <summary>Writes a text field (or null).</summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">The value.</param>
    void WriteString(string name, string? value);

    /// <summary>Writes a point in time as ISO 8601 in UTC with milliseconds (<c>2026-11-29T22:09:03.125Z</c>).</summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">The time.</param>
    void WriteTime(string name, DateTimeOffset value);

    /// <summary>Writes an integer field (or null).</summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">The value.</param>
    void WriteNumber(string name, long? value);

    /// <summary>Writes a real-number field (or null).</summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">The value.</param>
    void WriteNumber(string name, double? value);

    /// <summary>Writes a boolean field (or null).</summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">The value.</param>
    void WriteBoolean(string name, bool? value);

    /// <summary>Writes a field whose value is already valid JSON (embedded as is in JSONL, as text in CSV).</summary>
    /// <param name="name">The field name.</param>
    /// <param name="json">Valid JSON text.</param>
    void WriteJson(string name, string json);
}
