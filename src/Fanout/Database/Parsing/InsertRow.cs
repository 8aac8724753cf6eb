using System.Globalization;

namespace Fanout.Database.Parsing;

/// <summary>One parsed record: a position in a <see cref="RecordBlock"/>, with its fields in input order and where it came from.</summary>
internal readonly struct InsertRow
{
    internal InsertRow(RecordBlock block, int index)
    {
        Block = block;
        Index = index;
    }

    /// <summary>The block holding the record.</summary>
    public RecordBlock Block { get; }

    /// <summary>The record's position in its block.</summary>
    public int Index { get; }

    /// <summary>The record's line in its source (its first line, for CSV records spanning several).</summary>
    public long LineNumber => Block.LineNumber(Index);

    /// <summary>The <c>file:line</c> of the record.</summary>
    public string Location => string.Create(CultureInfo.InvariantCulture, $"{Block.Source}:{LineNumber}");

    /// <summary>The record as it was in the input, for the rejects file.</summary>
    public string Text => Block.Text(Index).GetString();

    /// <summary>Why the record could not be parsed, or <see langword="null"/> when it was.</summary>
    public string? Error => Block.Error(Index);

    /// <summary>How many fields the record has.</summary>
    public int FieldCount => Block.EndField(Index) - Block.FirstField(Index);

    /// <summary>A field's name.</summary>
    /// <param name="field">From 0.</param>
    /// <returns>The name.</returns>
    public string FieldName(int field) => Block.Names[NameId(field)];

    /// <summary>A field's name as an index into the block's <see cref="RecordBlock.Names"/>.</summary>
    /// <param name="field">From 0.</param>
    /// <returns>The name's index.</returns>
    public int NameId(int field) => Block.NameIdAt(Block.FirstField(Index) + field);

    /// <summary>A field's value.</summary>
    /// <param name="field">From 0.</param>
    /// <returns>The value.</returns>
    public Cell FieldValue(int field) => Block.ValueAt(Block.FirstField(Index) + field);
}
