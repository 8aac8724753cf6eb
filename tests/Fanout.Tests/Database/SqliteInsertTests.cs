using Fanout.Database;
using Fanout.Database.Parsing;
using Fanout.Database.Sqlite;
using Fanout.Records;
using Fanout.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Fanout.Tests.Database;

public sealed class SqliteInsertTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private string DbPath => _temp.File("test.db");

    private async Task<(InsertTotals Totals, List<RejectedRow> Rejects)> LoadAsync(InsertOptions options, params string[] lines)
    {
        var input = _temp.Write("in.jsonl", string.Join('\n', lines));
        var inserter = new Inserter(options);
        var rejects = new List<RejectedRow>();
        await foreach (var _ in inserter.RunAsync([input], () => Stream.Null, rejects.Add, new Fanout.Engine.WorkPoolOptions(), CancellationToken.None))
        {
        }

        return (inserter.Totals, rejects.OrderBy(r => r.Location, StringComparer.Ordinal).ToList());
    }

    private List<string> Query(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "∅" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    [Fact]
    public async Task Insert_creates_the_table_with_inferred_types_and_primary_key()
    {
        await LoadAsync(new InsertOptions { Database = DbPath, Table = "t", PrimaryKey = ["id"] }, """{"id":1,"name":"ann","score":1.5,"ok":true,"tags":["x"]}""");

        Assert.Equal(["id|INTEGER|1", "name|TEXT|0", "score|REAL|0", "ok|BOOLEAN|0", "tags|JSON|0"], Query("SELECT name, type, pk FROM pragma_table_info('t')"));
        Assert.Equal(["1|ann|1.5|1|[\"x\"]"], Query("SELECT * FROM t"));
    }

    [Fact]
    public async Task Upsert_updates_existing_keys_and_counts_them()
    {
        var options = new InsertOptions { Database = DbPath, Table = "t", PrimaryKey = ["id"], Mode = InsertMode.Upsert };
        await LoadAsync(options, """{"id":1,"v":"old"}""", """{"id":2,"v":"keep"}""");

        var (totals, _) = await LoadAsync(options, """{"id":1,"v":"new"}""", """{"id":3,"v":"added"}""");

        Assert.Equal((1, 1), (totals.Inserted, totals.Updated));
        Assert.Equal(["1|new", "2|keep", "3|added"], Query("SELECT id, v FROM t ORDER BY id"));
    }

    [Fact]
    public async Task Ignore_keeps_existing_rows_and_counts_the_skipped()
    {
        var options = new InsertOptions { Database = DbPath, Table = "t", PrimaryKey = ["id"], Mode = InsertMode.Ignore };
        await LoadAsync(options, """{"id":1,"v":"first"}""");

        var (totals, _) = await LoadAsync(options, """{"id":1,"v":"second"}""", """{"id":2,"v":"x"}""");

        Assert.Equal((1, 1), (totals.Inserted, totals.Ignored));
        Assert.Equal(["1|first", "2|x"], Query("SELECT id, v FROM t ORDER BY id"));
    }

    [Fact]
    public async Task Batch_with_one_bad_row_keeps_all_its_good_rows()
    {
        var lines = Enumerable.Range(1, 100).Select(i => $$"""{"id":{{(i == 57 ? 3 : i)}},"v":"r{{i}}"}""").ToArray();

        var (totals, rejects) = await LoadAsync(new InsertOptions { Database = DbPath, Table = "t", PrimaryKey = ["id"], BatchSize = 100 }, lines);

        Assert.Equal(99, totals.Inserted);
        var reject = Assert.Single(rejects);
        Assert.EndsWith("/in.jsonl:57", reject.Location, StringComparison.Ordinal);
        Assert.Contains("UNIQUE", reject.Reason, StringComparison.Ordinal);
        Assert.Equal(["99"], Query("SELECT count(*) FROM t"));
    }

    [Fact]
    public async Task New_field_is_rejected_naming_the_line_unless_alter_adds_the_column()
    {
        var (_, rejects) = await LoadAsync(new InsertOptions { Database = DbPath, Table = "a", BatchSize = 1 }, """{"id":1}""", """{"id":2,"extra":"x"}""");
        Assert.EndsWith("/in.jsonl:2", Assert.Single(rejects).Location, StringComparison.Ordinal);

        var (totals, altered) = await LoadAsync(new InsertOptions { Database = DbPath, Table = "b", BatchSize = 1, Alter = true }, """{"id":1}""", """{"id":2,"extra":"x"}""");
        Assert.Empty(altered);
        Assert.Equal(2, totals.Inserted);
        Assert.Equal(["1|∅", "2|x"], Query("SELECT id, extra FROM b ORDER BY id"));
    }

    [Fact]
    public async Task Unicode_and_large_text_round_trip()
    {
        var big = string.Concat(Enumerable.Repeat("ünïcødé ✓ 𝄞 ", 50_000));
        await LoadAsync(new InsertOptions { Database = DbPath, Table = "t" }, $$"""{"id":1,"text":"{{big}}"}""");

        Assert.Equal([big], Query("SELECT text FROM t"));
    }

    [Fact]
    public async Task Escaped_empty_and_nested_values_are_stored_as_written()
    {
        await LoadAsync(new InsertOptions { Database = DbPath, Table = "t" }, """{"id":1,"s":"a\"b\\c\u00e9\n","e":"","n":null,"j":{"k":[1,"x"]}}""");

        Assert.Equal(["text|a\"b\\cé\n|text||null|text|{\"k\":[1,\"x\"]}"], Query("SELECT typeof(s), s, typeof(e), e, typeof(n), typeof(j), j FROM t"));
    }

    [Fact]
    public async Task A_line_that_is_not_valid_utf8_is_rejected_not_stored_changed()
    {
        var path = _temp.File("in.jsonl");
        File.WriteAllBytes(path, [.. "{\"id\":1,\"s\":\"ok\"}\n{\"id\":2,\"s\":\""u8, 0xFF, 0xFE, .. "\"}\n"u8]);
        var chunk = await InputReader.ReadChunksAsync([path], () => Stream.Null).SingleAsync();
        var block = RecordParser.ParseJson(chunk);

        Assert.Equal(2, block.Count);
        Assert.Null(block[0].Error);
        Assert.Equal("the line is not valid UTF-8", block[1].Error);
        Assert.Equal(path + ":2", block[1].Location);
    }
}
