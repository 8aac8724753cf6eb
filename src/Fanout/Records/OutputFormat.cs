namespace Fanout.Records;

/// <summary>How result records are written.</summary>
public enum OutputFormat
{
    /// <summary>One JSON object per line.</summary>
    Jsonl,

    /// <summary>RFC 4180 CSV with a header row.</summary>
    Csv,

    /// <summary>Aligned columns for people; long and nested fields are left out.</summary>
    Table,
}
