using System.Collections;

namespace Fanout.Database;

/// <summary>
/// Rows bound for one write. The batch holds each <see cref="RecordBlock"/> its rows live in (see
/// <see cref="RecordBlock.Hold"/>) until <see cref="Release"/>, after the write, lets the blocks' storage be reused.
/// </summary>
/// <param name="capacity">How many rows to make room for.</param>
public sealed class InsertBatch(int capacity = 0) : IReadOnlyList<InsertRow>
{
    private readonly List<InsertRow> _rows = new(capacity);
    private readonly List<RecordBlock> _blocks = [];

    /// <inheritdoc/>
    public int Count => _rows.Count;

    /// <inheritdoc/>
    public InsertRow this[int index] => _rows[index];

    /// <summary>Adds a row, holding its block if the batch does not yet.</summary>
    /// <param name="row">The row.</param>
    public void Add(InsertRow row)
    {
        if (_blocks.Count == 0 || !ReferenceEquals(_blocks[^1], row.Block))
        {
            // Rows come block by block; a block met again after another is held again, and released as often.
            row.Block.Hold();
            _blocks.Add(row.Block);
        }

        _rows.Add(row);
    }

    /// <summary>
    /// Compacts the blocks only this batch holds (see <see cref="RecordBlock.TryCompact"/>): for a batch that is written
    /// but kept in case its transaction fails, so that it costs little more than its raw input until then.
    /// </summary>
    public void Compact()
    {
        foreach (var block in _blocks)
        {
            block.TryCompact();
        }
    }

    /// <summary>Empties the batch and releases its blocks: call once its rows are written and no longer read.</summary>
    public void Release()
    {
        _rows.Clear();
        foreach (var block in _blocks)
        {
            block.Release();
        }

        _blocks.Clear();
    }

    /// <inheritdoc/>
    public IEnumerator<InsertRow> GetEnumerator() => _rows.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
