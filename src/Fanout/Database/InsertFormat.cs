namespace Fanout.Database;

/// <summary>How records are written in the input.</summary>
public enum InsertFormat
{
    /// <summary>One JSON object per line.</summary>
    Jsonl,

    /// <summary>RFC 4180 CSV with a header row.</summary>
    Csv,
}
