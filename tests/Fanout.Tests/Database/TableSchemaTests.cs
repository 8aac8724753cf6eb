using Fanout.Database;
using Xunit;

namespace Fanout.Tests.Database;

public sealed class TableSchemaTests
{
    private static InsertRow Row(params (string Name, object? Value)[] fields) =>
        new("in:1", "{}", [.. fields.Select(f => new KeyValuePair<string, object?>(f.Name, f.Value))]);

    [Fact]
    public void Infer_types_columns_from_values_in_first_seen_order()
    {
        var schema = TableSchema.Infer([
            Row(("id", 1L), ("score", 1L), ("name", "a"), ("ok", true), ("tags", new JsonText("[1]")), ("empty", null)),
            Row(("id", 2L), ("score", 2.5), ("name", "b"), ("ok", false), ("late", 3L)),
        ]);

        Assert.Equal(
            [new("id", ColumnType.Integer), new("score", ColumnType.Real), new("name", ColumnType.Text), new("ok", ColumnType.Boolean), new("tags", ColumnType.Json), new("empty", ColumnType.Text), new KeyValuePair<string, ColumnType>("late", ColumnType.Integer)],
            schema.Columns);
    }

    [Fact]
    public void Infer_keeps_the_majority_type_so_an_outlier_is_a_mismatch()
    {
        var schema = TableSchema.Infer([Row(("id", 1L)), Row(("id", 2L)), Row(("id", "x"))]);

        Assert.Equal(ColumnType.Integer, schema.Columns[0].Value);
        Assert.Null(schema.Convert(Row(("id", "x")), out var reason));
        Assert.Equal("field \"id\": text 'x' is not an integer", reason);
    }

    [Fact]
    public void Convert_accepts_numeric_text_and_rejects_unknown_fields()
    {
        var schema = new TableSchema([new("id", ColumnType.Integer), new("price", ColumnType.Real), new("note", ColumnType.Text)]);

        Assert.Equal(new object?[] { 12L, 3.0, "7" }, schema.Convert(Row(("id", "12"), ("price", 3L), ("note", 7L)), out _));
        Assert.Null(schema.Convert(Row(("id", 1L), ("color", "red")), out var reason));
        Assert.Contains("new field \"color\"", reason, StringComparison.Ordinal);
    }
}
