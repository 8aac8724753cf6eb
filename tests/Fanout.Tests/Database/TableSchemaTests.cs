using Fanout.Database;
using Fanout.Database.Parsing;
using Xunit;

namespace Fanout.Tests.Database;

public sealed class TableSchemaTests
{
    private static List<InsertRow> Rows(params string[] lines)
    {
        var block = RecordParser.ParseJson("in", string.Join('\n', lines));
        return [.. Enumerable.Range(0, block.Count).Select(i => block[i])];
    }

    [Fact]
    public void Infer_types_columns_from_values_in_first_seen_order()
    {
        var schema = TableSchema.Infer(Rows(
            """{"id":1,"score":1,"name":"a","ok":true,"tags":[1],"empty":null}""",
            """{"id":2,"score":2.5,"name":"b","ok":false,"late":3}"""));

        Assert.Equal(
            [new("id", ColumnType.Integer), new("score", ColumnType.Real), new("name", ColumnType.Text), new("ok", ColumnType.Boolean), new("tags", ColumnType.Json), new("empty", ColumnType.Text), new KeyValuePair<string, ColumnType>("late", ColumnType.Integer)],
            schema.Columns);
    }

    [Fact]
    public void Infer_keeps_the_majority_type_so_an_outlier_is_a_mismatch()
    {
        var rows = Rows("""{"id":1}""", """{"id":2}""", """{"id":"x"}""");
        var schema = TableSchema.Infer(rows);

        Assert.Equal(ColumnType.Integer, schema.Columns[0].Value);
        Assert.Null(schema.Convert(rows[2], out var reason));
        Assert.Equal("field \"id\": text 'x' is not an integer", reason);
    }

    [Fact]
    public void Convert_accepts_numeric_text_and_rejects_unknown_fields()
    {
        var schema = new TableSchema([new("id", ColumnType.Integer), new("price", ColumnType.Real), new("note", ColumnType.Text), new("doc", ColumnType.Json)]);
        var rows = Rows("""{"id":"12","price":3,"note":7,"doc":"q"}""", """{"id":1,"color":"red"}""", """{"id":4.0,"note":true}""");

        Assert.Equal(["12", "3", "7", "\"q\""], schema.Convert(rows[0], out _)!.Select(c => c.ToString()));
        Assert.Equal([CellKind.Integer, CellKind.Real, CellKind.Text, CellKind.Json], schema.Convert(rows[0], out _)!.Select(c => c.Kind));
        Assert.Null(schema.Convert(rows[1], out var reason));
        Assert.Contains("new field \"color\"", reason, StringComparison.Ordinal);
        Assert.Equal(["4", "true"], schema.Convert(rows[2], out _)!.Take(3).Where(c => !c.IsNull).Select(c => c.ToString()));
    }
}
