using Fanout.Database.Parsing;

namespace Fanout.Database;

/// <summary>
/// What a load would do, worked out without writing anything (<c>fanout insert --plan</c>): the table's columns (those
/// it has, or those the records would create), how the records differ from an existing table, the CREATE/ALTER statements
/// the load would run, and which records it would reject and why. The records are read and checked exactly as a load
/// does: the schema comes from the first chunk of records, <c>--alter</c> adds columns chunk by chunk, every value is
/// converted to its column's type. Key conflicts and constraints are the database's to find: a plan cannot see them.
/// </summary>
public sealed record InsertPlan
{
    /// <summary>The table.</summary>
    public required string Table { get; init; }

    /// <summary>Whether the table exists.</summary>
    public required bool TableExists { get; init; }

    /// <summary>The columns after the load, in table order.</summary>
    public required IReadOnlyList<PlannedColumn> Columns { get; init; }

    /// <summary>The statements the load would run before writing rows (CREATE TABLE, ALTER TABLE ... ADD COLUMN).</summary>
    public required IReadOnlyList<string> Statements { get; init; }

    /// <summary>Records read (all of them, or the sample).</summary>
    public required long Records { get; init; }

    /// <summary>Whether reading stopped at the sample's size before the input's end.</summary>
    public required bool Sampled { get; init; }

    /// <summary>Records that would be written.</summary>
    public required long WouldLoad { get; init; }

    /// <summary>Records that would be rejected.</summary>
    public required long Rejected { get; init; }

    /// <summary>Rejects by kind (see <see cref="RejectedRow.Kind"/>), most first.</summary>
    public required IReadOnlyList<KeyValuePair<string, long>> RejectsByKind { get; init; }

    /// <summary>The first rejected records, with their locations and reasons.</summary>
    public required IReadOnlyList<RejectedRow> FirstRejects { get; init; }

    /// <summary>How many rejected records <see cref="FirstRejects"/> keeps.</summary>
    public const int KeptRejects = 10;

    /// <summary>Works the plan out: reads the table's columns (read-only) and the records (or the first <paramref name="sample"/>).</summary>
    internal static async Task<InsertPlan> BuildAsync(DatabaseTarget target, InsertOptions options, IReadOnlyList<string> sources, InsertFormat format, int chunkRows, long? sample, Func<Stream> openStandardInput, CancellationToken cancellationToken)
    {
        var existing = await target.ReadSchemaOnlyAsync(options.Table, cancellationToken).ConfigureAwait(false);
        existing?.CheckTypes(options);
        TableSchema? schema = existing is null ? null : new TableSchema(existing.Columns);
        var statements = new List<string>();
        var added = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        var byKind = new Dictionary<string, long>(StringComparer.Ordinal);
        var firstRejects = new List<RejectedRow>();
        long records = 0, wouldLoad = 0, rejected = 0;
        var sampled = false;
        var held = new List<RecordBlock>();
        var chunk = new List<InsertRow>();

        void Reject(RejectedRow row)
        {
            rejected++;
            byKind[row.Kind] = byKind.GetValueOrDefault(row.Kind) + 1;
            if (firstRejects.Count < KeptRejects)
            {
                firstRejects.Add(row);
            }
        }

        void Check()
        {
            if (chunk.Count == 0)
            {
                return;
            }

            if (schema is null)
            {
                schema = TableSchema.ForNewTable(chunk, options);
                statements.Add(target.CreateTableSql(options.Table, schema, options.PrimaryKey));
            }
            else if (options.Alter && TableSchema.Infer(chunk, name => !schema.Contains(name)).Typed(options.Types) is { Columns.Count: > 0 } more)
            {
                foreach (var (name, type) in more.Columns)
                {
                    statements.Add(target.AddColumnSql(options.Table, name, type));
                    schema.Add(name, type);
                    added.Add(name);
                }
            }

            foreach (var row in chunk)
            {
                for (var f = 0; row.Error is null && f < row.FieldCount; f++)
                {
                    var name = row.FieldName(f);
                    seen[name] = seen.GetValueOrDefault(name) + (row.FieldValue(f).IsNull ? 0 : 1);
                }
            }

            var cells = new Cell[Math.Max(1, chunk.Count * schema.Columns.Count)];
            wouldLoad += TableWriter.Convert(schema, chunk, cells, new InsertRow[chunk.Count], Reject);
            chunk.Clear();
            foreach (var block in held)
            {
                block.Release();
            }

            held.Clear();
        }

        await foreach (var block in InsertLoad.ParseAsync(sources, format, options, openStandardInput, cancellationToken).ConfigureAwait(false))
        {
            held.Add(block);
            for (var i = 0; i < block.Count && !sampled; i++)
            {
                chunk.Add(block[i]);
                records++;
                sampled = records >= sample;
                if (chunk.Count >= chunkRows)
                {
                    // A chunk's rows may come from this block and the ones before: all stay held until it is checked, and
                    // this block for the rows after them too.
                    block.Hold();
                    Check();
                    held.Add(block);
                }
            }

            if (sampled)
            {
                break;
            }
        }

        Check();
        foreach (var block in held)
        {
            block.Release();
        }

        var columns = (schema?.Columns ?? []).Select(c => new PlannedColumn(
            c.Key,
            c.Value,
            existing is null ? PlannedColumn.Create : added.Contains(c.Key) ? PlannedColumn.Add : PlannedColumn.Exists,
            seen.GetValueOrDefault(c.Key))).ToList();
        return new InsertPlan
        {
            Table = options.Table,
            TableExists = existing is not null,
            Columns = columns,
            Statements = statements,
            Records = records,
            Sampled = sampled,
            WouldLoad = wouldLoad,
            Rejected = rejected,
            RejectsByKind = [.. byKind.OrderByDescending(k => k.Value).ThenBy(k => k.Key, StringComparer.Ordinal)],
            FirstRejects = firstRejects,
        };
    }
}

/// <summary>A column of a <see cref="InsertPlan"/>.</summary>
/// <param name="Name">The column.</param>
/// <param name="Type">Its type (the table's, or the one the load would give it).</param>
/// <param name="Change"><see cref="Exists"/>, <see cref="Create"/> (with a new table) or <see cref="Add"/> (<c>--alter</c>).</param>
/// <param name="Values">How many of the records read have a value (not null) for it.</param>
public sealed record PlannedColumn(string Name, ColumnType Type, string Change, long Values)
{
    /// <summary>The table has the column.</summary>
    public const string Exists = "exists";

    /// <summary>The load would create the table with the column.</summary>
    public const string Create = "create";

    /// <summary>The load would add the column (<c>--alter</c>).</summary>
    public const string Add = "add";
}
