using Fanout.Tests.Support;
using Npgsql;
using Xunit;

namespace Fanout.Tests.Database;

[Collection(PostgresCollection.Name)]
public sealed class PostgresInsertTests(PostgresServer server)
{
    private long Scalar(string sql)
    {
        using var connection = new NpgsqlConnection(server.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Table() => "t_" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Insert_100000_rows_over_parallel_copy_streams()
    {
        using var temp = new TempDirectory();
        var table = Table();
        temp.Write("rows.jsonl", string.Concat(Enumerable.Range(1, 100_000).Select(i => $"{{\"id\":{i},\"name\":\"n{i}\",\"score\":{i % 10}.5,\"tags\":[{i % 3}],\"ok\":{(i % 2 == 0 ? "true" : "false")}}}\n")));

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", server.Url(), "--table", table, "--pk", "id", "-j", "4", "--batch", "5000"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("inserted 100000", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(100_000, Scalar($"SELECT count(DISTINCT id) FROM {table}"));
        Assert.Equal(50_000, Scalar($"SELECT count(*) FROM {table} WHERE ok"));
        Assert.Equal(33_333, Scalar($"SELECT count(*) FROM {table} WHERE tags = '[0]'::jsonb"));
        Assert.Equal(100_000, Scalar($"SELECT count(*) FROM {table} WHERE name = 'n' || id AND score = id % 10 + 0.5 AND tags = jsonb_build_array(id % 3) AND ok = (id % 2 = 0)"));
        Assert.Equal(4, Scalar($"SELECT count(*) FROM information_schema.columns WHERE table_name = '{table}' AND data_type IN ('bigint', 'double precision', 'jsonb', 'boolean')"));
    }

    [Fact]
    public async Task Upsert_and_ignore_go_through_staging_and_count_what_happened()
    {
        using var temp = new TempDirectory();
        var table = Table();
        temp.Write("a.jsonl", "{\"id\":1,\"v\":\"old\"}\n{\"id\":2,\"v\":\"keep\"}\n");
        temp.Write("b.jsonl", "{\"id\":1,\"v\":\"new\"}\n{\"id\":3,\"v\":\"added\"}\n");

        await FanoutCli.RunAsync(temp.Path, ["insert", "a.jsonl", "--db", server.Url(), "--table", table, "--pk", "id"]);
        var upsert = await FanoutCli.RunAsync(temp.Path, ["insert", "b.jsonl", "--db", server.Url(), "--table", table, "--pk", "id", "--upsert"]);
        var ignore = await FanoutCli.RunAsync(temp.Path, ["insert", "a.jsonl", "--db", server.Url(), "--table", table, "--pk", "id", "--ignore"]);

        Assert.Contains("inserted 1, updated 1, ignored 0", upsert.Stderr, StringComparison.Ordinal);
        Assert.Contains("inserted 0, updated 0, ignored 2", ignore.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, Scalar($"SELECT count(*) FROM {table} WHERE id = 1 AND v = 'new'"));
        Assert.Equal(3, Scalar($"SELECT count(*) FROM {table}"));
    }

    [Fact]
    public async Task Issue14_Rerun_without_upsert_rejects_each_row_for_its_key_with_the_reason()
    {
        using var temp = new TempDirectory();
        var table = Table();
        temp.Write("rows.jsonl", string.Concat(Enumerable.Range(1, 50_000).Select(i => $"{{\"id\":{i},\"v\":\"r{i}\"}}\n")));
        var load = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", server.Url(), "--table", table, "--pk", "id", "-o", "load.jsonl"]);
        temp.Write("more.jsonl", "{\"id\":50001,\"v\":\"new\"}\n{\"id\":7,\"v\":\"again\"}\n{\"id\":50001,\"v\":\"twice in the input\"}\n");

        // Every row's key is there already: one pass over the rows finds them, it does not split the batch row by row.
        var rerun = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", server.Url(), "--table", table, "--pk", "id", "-o", "rerun.jsonl", "--rejects", "rejects.jsonl"]);
        var mixed = await FanoutCli.RunAsync(temp.Path, ["insert", "more.jsonl", "--db", server.Url(), "--table", table, "--pk", "id", "-o", "mixed.jsonl"]);

        Assert.True(load.ExitCode == 0, load.ToString());
        Assert.True(rerun.ExitCode == 1, rerun.ToString());
        Assert.Contains("inserted 0, updated 0, ignored 0, rejected 50000", rerun.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"\s50000\s+duplicate key", rerun.Stderr);
        Assert.Contains("every record's key is already in the table: --upsert updates those rows, --ignore keeps them", rerun.Stderr, StringComparison.Ordinal);
        Assert.Equal(50_000, File.ReadLines(temp.File("rejects.jsonl")).Count(l => TestServer.ParseJson(l).GetProperty("kind").GetString() == "duplicate key"));
        Assert.Equal(50_001, Scalar($"SELECT count(*) FROM {table}"));
        Assert.Equal(1, Scalar($"SELECT count(*) FROM {table} WHERE id = 7 AND v = 'r7'"));

        // A new key is stored, an existing one and the second of two equal ones in the input are rejected.
        Assert.True(mixed.ExitCode == 1, mixed.ToString());
        Assert.Contains("inserted 1, updated 0, ignored 0, rejected 2", mixed.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, Scalar($"SELECT count(*) FROM {table} WHERE id = 50001 AND v = 'new'"));
        Assert.DoesNotContain("every record's key", mixed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue14_Taken_keys_and_a_row_refused_for_another_reason_in_one_transaction_are_each_rejected()
    {
        using var temp = new TempDirectory();
        var table = Table();
        using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE TABLE {table} (id bigint PRIMARY KEY, v text NOT NULL); INSERT INTO {table} VALUES (5, 'old')", connection);
            create.ExecuteNonQuery();
        }

        // Three chunks in one transaction: the key 5 is taken, and line 22,222 has no v (NOT NULL): the transaction that
        // finds taken keys fails for the second, so the chunks go one by one.
        temp.Write("rows.jsonl", string.Concat(Enumerable.Range(1, 25_000).Select(i => i == 22_222 ? $"{{\"id\":{i}}}\n" : $"{{\"id\":{i},\"v\":\"r{i}\"}}\n")));

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", server.Url(), "--table", table, "--pk", "id", "-o", "r.jsonl", "--rejects", "rejects.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("inserted 24998, updated 0, ignored 0, rejected 2", run.Stderr, StringComparison.Ordinal);
        var rejects = File.ReadAllLines(temp.File("rejects.jsonl")).Select(TestServer.ParseJson).ToDictionary(r => r.GetProperty("location").GetString()!, r => r.GetProperty("kind").GetString());
        Assert.Equal("duplicate key", rejects["rows.jsonl:5"]);
        Assert.Equal("refused by the database", rejects["rows.jsonl:22222"]);
        Assert.Equal(24_999, Scalar($"SELECT count(*) FROM {table}"));
        Assert.Equal(1, Scalar($"SELECT count(*) FROM {table} WHERE id = 5 AND v = 'old'"));
    }

    [Fact]
    public async Task Bad_rows_are_isolated_and_good_rows_of_their_batch_kept()
    {
        using var temp = new TempDirectory();
        var table = Table();
        var lines = Enumerable.Range(1, 200).Select(i => i == 120 ? "{\"id\":7,\"v\":\"duplicate\"}" : i == 50 ? "{\"id\":\"fifty\",\"v\":\"x\"}" : $"{{\"id\":{i},\"v\":\"r{i}\"}}");
        temp.Write("rows.jsonl", string.Join('\n', lines) + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", server.Url(), "--table", table, "--pk", "id", "--rejects", "rejects.jsonl", "--batch", "200"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(198, Scalar($"SELECT count(*) FROM {table}"));
        var rejects = File.ReadAllLines(temp.File("rejects.jsonl")).Select(TestServer.ParseJson).ToList();
        Assert.Equal(["rows.jsonl:120", "rows.jsonl:50"], rejects.Select(r => r.GetProperty("location").GetString()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public async Task A_transaction_failing_at_its_commit_is_written_again_keeping_its_good_rows(string writers)
    {
        using var temp = new TempDirectory();
        var table = Table();

        // PostgreSQL reports the duplicate key only when the COPY ends, at the commit: the transaction's batches (all
        // but the last compacted to their raw lines by then) are parsed again and written one by one.
        var lines = Enumerable.Range(1, 30_000).Select(i => i switch
        {
            12_000 => "{\"id\":\"twelve thousand\",\"name\":\"x\"}",
            20_000 => "{\"id\":5,\"name\":\"duplicate\"}",
            _ => $"{{\"id\":{i},\"name\":\"n{i} \\u00e9\\t\"}}",
        });
        temp.Write("rows.jsonl", string.Join('\n', lines) + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", server.Url(), "--table", table, "--pk", "id", "--batch", "25000", "-j", writers, "--rejects", "rejects.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("inserted 29998, updated 0, ignored 0, rejected 2", run.Stderr, StringComparison.Ordinal);
        var rejects = File.ReadAllLines(temp.File("rejects.jsonl")).Select(TestServer.ParseJson).ToList();
        Assert.Equal(["rows.jsonl:12000", "rows.jsonl:20000"], rejects.Select(r => r.GetProperty("location").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(29_998, Scalar($"SELECT count(*) FROM {table} WHERE name = 'n' || id || ' é' || chr(9)"));
    }

    [Fact]
    public async Task A_table_fanout_created_takes_binary_values_of_every_kind_and_nulls()
    {
        using var temp = new TempDirectory();
        var table = Table();
        temp.Write("rows.jsonl", """
            {"id":1,"a":"x","b":1.5,"c":true,"d":{"k":[1,2]},"e":7}
            {"id":2}
            {"id":3,"a":"tab\there \u00e9\\","b":-0.25,"c":false,"d":[],"e":-9223372036854775808}
            """ + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", server.Url(), "--table", table, "--pk", "id"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, Scalar($"SELECT count(*) FROM {table} WHERE id = 1 AND a = 'x' AND b = 1.5 AND c AND d = '{{\"k\":[1,2]}}'::jsonb AND e = 7"));
        Assert.Equal(1, Scalar($"SELECT count(*) FROM {table} WHERE id = 2 AND a IS NULL AND b IS NULL AND c IS NULL AND d IS NULL AND e IS NULL"));
        Assert.Equal(1, Scalar($"SELECT count(*) FROM {table} WHERE id = 3 AND a = E'tab\\there \u00e9\\\\' AND b = -0.25 AND NOT c AND d = '[]'::jsonb AND e = -9223372036854775808"));
    }

    [Fact]
    public async Task Unreachable_server_is_a_usage_error_without_the_password()
    {
        using var temp = new TempDirectory();
        temp.Write("rows.jsonl", "{\"id\":1}\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "postgres://postgres:s3cretpw@127.0.0.1:1/x", "--table", "t"]);

        Assert.Equal(2, run.ExitCode);
        Assert.DoesNotContain("s3cretpw", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    private string Text(string sql)
    {
        using var connection = new NpgsqlConnection(server.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    [Fact]
    public async Task Existing_columns_of_other_types_take_the_values_and_special_characters_survive()
    {
        using var temp = new TempDirectory();
        var table = Table();
        Scalar($"CREATE TABLE {table} (id integer PRIMARY KEY, price numeric(12,4), code varchar(8), at timestamptz, ref uuid, note text, doc jsonb, flag boolean) ; SELECT 0");
        temp.Write("rows.jsonl", string.Join('\n',
            """{"id":1,"price":12.3456,"code":"AB","at":"2024-05-01T10:00:00Z","ref":"6f1c1b52-8a5e-4c53-9b0e-1f0c8a7e2d11","note":"tab\there\nnew line \\ back ü","doc":{"q":"a\"b\\c"},"flag":true}""",
            """{"id":2,"price":0.1,"code":"","note":null,"doc":[1,2],"flag":false}""") + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", server.Url(), "--table", table]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("12.3456|AB|2024-05-01 10:00:00+00|6f1c1b52-8a5e-4c53-9b0e-1f0c8a7e2d11|tab\there\nnew line \\ back ü|{\"q\": \"a\\\"b\\\\c\"}|t", Text($"SELECT concat_ws('|', price, code, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00', ref, note, doc, flag) FROM {table} WHERE id = 1"));
        Assert.Equal("0.1000||∅|[1, 2]|f", Text($"SELECT concat_ws('|', price, code, coalesce(note, '∅'), doc, flag) FROM {table} WHERE id = 2"));
    }
}
