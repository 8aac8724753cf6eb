namespace Fanout.Database;

/// <summary>A column's type, inferred from the records.</summary>
public enum ColumnType
{
    /// <summary>64-bit integers.</summary>
    Integer,

    /// <summary>Double-precision numbers.</summary>
    Real,

    /// <summary>true/false.</summary>
    Boolean,

    /// <summary>Text.</summary>
    Text,

    /// <summary>Nested objects and arrays, stored as JSON text.</summary>
    Json,
}
