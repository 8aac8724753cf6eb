using System.Collections;
using Fanout.Database.Parsing;

namespace Fanout.Database;

/// <summary>
/// Rows of one source on their way from the parsers to a writer: at most <see cref="InsertLoad.MostChunkRows"/>, a
/// slice of a transaction (a transaction of <c>--batch</c> rows streams in as several chunks). The chunk holds each
/// <see cref="RecordBlock"/> its rows live in (see <see cref="RecordBlock.Hold"/>) until <see cref="Release"/>, after
/// its transaction commits, lets the blocks' storage be reused; then the chunk itself is reused.
/// </summary>
/// <param name="capacity">How many rows to make room for.</param>
internal sealed class RowChunk(int capacity = 0) : IReadOnlyList<InsertRow>
{
    private readonly List<InsertRow> _rows = new(capacity);
    private readonly List<RecordBlock> _blocks = [];

    /// <inheritdoc/>
    public int Count => _rows.Count;

    /// <inheritdoc/>
    public InsertRow this[int index] => _rows[index];

    /// <summary>The source of the chunk's records; <see langword="null"/> while it has none.</summary>
    public string? Source { get; private set; }

    /// <summary>The line of the chunk's first record.</summary>
    public long FirstLine { get; private set; }

    /// <summary>The line of the chunk's last record.</summary>
    public long LastLine { get; private set; }

    /// <summary>Records offered: the rows, and the records that failed to parse.</summary>
    public int Offered { get; private set; }

    /// <summary>Records of the chunk rejected so far (parse errors, type mismatches, constraint violations).</summary>
    public int Rejected { get; set; }

    /// <summary>Rows not written because the limit of rejected records was reached before them (<see cref="TableWriter.OverLimit"/>).</summary>
    public int NotLoaded { get; set; }

    /// <summary>Times it was written: more than one when a transient failure (a lost connection) made its writer start again.</summary>
    public int Attempts { get; set; } = 1;

    /// <summary>The chunk's place in the load, from 0 (set by whoever queues it).</summary>
    public long Index { get; set; }

    /// <summary>When the chunk was full and queued for a writer (a timestamp of the load's clock).</summary>
    public long QueuedTimestamp { get; set; }

    /// <summary>When a writer started writing the chunk (a timestamp of the load's clock).</summary>
    public long StartedTimestamp { get; set; }

    /// <summary>When the chunk was queued, as a date.</summary>
    public DateTimeOffset QueuedAt { get; set; }

    /// <summary>Whether a record of <paramref name="source"/> may join: a chunk holds one source's records only.</summary>
    /// <param name="source">The record's source.</param>
    /// <returns>Whether it fits.</returns>
    public bool Takes(string source) => Source is null || string.Equals(Source, source, StringComparison.Ordinal);

    /// <summary>Adds a row, holding its block if the chunk does not yet.</summary>
    /// <param name="row">The row.</param>
    public void Add(InsertRow row)
    {
        if (_blocks.Count == 0 || !ReferenceEquals(_blocks[^1], row.Block))
        {
            // Rows come block by block; a block met again after another is held again, and released as often.
            row.Block.Hold();
            _blocks.Add(row.Block);
        }

        Note(row);
        _rows.Add(row);
    }

    /// <summary>Counts a record that failed to parse (already rejected) as one of the chunk's.</summary>
    /// <param name="row">The record.</param>
    public void AddUnparsed(InsertRow row)
    {
        Note(row);
        Rejected++;
    }

    /// <summary>
    /// Compacts the blocks only this chunk holds (see <see cref="RecordBlock.TryCompact"/>): for a chunk that is written
    /// but kept in case its transaction fails, so that it costs little more than its raw input until then.
    /// </summary>
    public void Compact()
    {
        foreach (var block in _blocks)
        {
            block.TryCompact();
        }
    }

    /// <summary>Empties the chunk and releases its blocks: call once its rows are written and no longer read.</summary>
    public void Release()
    {
        _rows.Clear();
        foreach (var block in _blocks)
        {
            block.Release();
        }

        _blocks.Clear();
        (Source, FirstLine, LastLine, Offered, Rejected, NotLoaded, Attempts) = (null, 0, 0, 0, 0, 0, 1);
    }

    /// <inheritdoc/>
    public IEnumerator<InsertRow> GetEnumerator() => _rows.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void Note(InsertRow row)
    {
        if (Offered++ == 0)
        {
            (Source, FirstLine) = (row.Block.Source, row.LineNumber);
        }

        LastLine = row.LineNumber;
    }
}
