namespace Fanout.Database.Parsing;

/// <summary>What a <see cref="Cell"/> holds.</summary>
internal enum CellKind : byte
{
    /// <summary>No value (JSON null, an empty CSV cell, or an absent field).</summary>
    Null,

    /// <summary>A 64-bit integer.</summary>
    Integer,

    /// <summary>A double-precision number.</summary>
    Real,

    /// <summary>true/false.</summary>
    Boolean,

    /// <summary>Text, as UTF-8.</summary>
    Text,

    /// <summary>A nested object or array, as its JSON text.</summary>
    Json,
}
