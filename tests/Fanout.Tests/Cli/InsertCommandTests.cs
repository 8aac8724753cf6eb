using System.Diagnostics;
using Fanout.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Fanout.Tests.Cli;

public sealed class InsertCommandTests
{
    private static long Scalar(string db, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={db};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Rows(int count) =>
        string.Concat(Enumerable.Range(1, count).Select(i => $$"""{"id":{{i}},"name":"name {{i}}","score":{{i % 100}}.5,"tag":"t{{i % 7}}"}""" + "\n"));

    [Fact]
    public async Task Insert_100000_rows_then_rerun_with_ignore_leaves_each_once()
    {
        using var temp = new TempDirectory();
        temp.Write("rows.jsonl", Rows(100_000));

        // A batch size that cuts blocks of records in the middle: blocks are recycled once all their batches are written.
        var first = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "app.db", "--table", "rows", "--pk", "id", "--batch", "777"]);
        var again = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "app.db", "--table", "rows", "--pk", "id", "--ignore"]);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("inserted 100000, updated 0, ignored 0, rejected 0", first.Stderr, StringComparison.Ordinal);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("inserted 0, updated 0, ignored 100000", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(100_000, Scalar(temp.File("app.db"), "SELECT count(DISTINCT id) FROM rows"));
        Assert.Equal(100_000, Scalar(temp.File("app.db"), "SELECT count(*) FROM rows"));
        Assert.Equal(100_000, Scalar(temp.File("app.db"), "SELECT count(*) FROM rows WHERE name = 'name ' || id AND score = id % 100 + 0.5 AND tag = 't' || (id % 7)"));
    }

    [Fact]
    public async Task Insert_killed_mid_load_then_rerun_leaves_exactly_the_input_rows()
    {
        using var temp = new TempDirectory();
        temp.Write("rows.jsonl", Rows(300_000));

        // The first half of the rows through stdin, which stays open: the load cannot finish before the kill,
        // however fast it is.
        using (var process = FanoutCli.Start(temp.Path, ["insert", "-", "--db", "app.db", "--table", "rows", "--pk", "id", "--ignore", "--batch", "5000", "-q"]))
        {
            var firstHalf = File.ReadLines(temp.File("rows.jsonl")).Take(150_000);
            await process.StandardInput.WriteAsync(string.Join('\n', firstHalf) + "\n");
            await process.StandardInput.FlushAsync();
            await Eventually.TrueAsync(() => File.Exists(temp.File("app.db")) && SafeCount(temp.File("app.db")) >= 10_000, "some committed rows", TimeSpan.FromSeconds(30));
            process.Kill();
            await process.WaitForExitAsync();
        }

        var committed = SafeCount(temp.File("app.db"));
        var rerun = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "app.db", "--table", "rows", "--pk", "id", "--ignore"]);

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.InRange(committed, 10_000, 150_000);
        Assert.Equal(300_000, Scalar(temp.File("app.db"), "SELECT count(*) FROM rows"));
        Assert.Equal(300_000, Scalar(temp.File("app.db"), "SELECT count(DISTINCT id) FROM rows"));
    }

    [Fact]
    public async Task Insert_from_a_trickling_stdin_writes_records_before_the_input_ends()
    {
        using var temp = new TempDirectory();
        using var process = FanoutCli.Start(temp.Path, ["insert", "--db", "app.db", "--table", "rows", "--batch", "1", "-q"]);

        // One short line and the pipe left open: the record must not wait for more input to arrive.
        await process.StandardInput.WriteAsync("{\"id\":1,\"v\":\"a\"}\n");
        await process.StandardInput.FlushAsync();
        await Eventually.TrueAsync(() => File.Exists(temp.File("app.db")) && SafeCount(temp.File("app.db")) == 1, "the first row stored", TimeSpan.FromSeconds(30));
        process.StandardInput.Close();
        await process.WaitForExitAsync();

        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task Insert_csv_with_quoted_commas_and_newlines()
    {
        using var temp = new TempDirectory();
        temp.Write("people.csv", "id,name,note,zip\r\n1,\"Doe, Jane\",\"line one\nline two\",00501\r\n2,Bob,\"says \"\"hi\"\"\",10001\r\n3,short\r\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "people.csv", "--db", "app.db", "--table", "people", "--rejects", "rejects.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        var db = temp.File("app.db");
        Assert.Equal(2, Scalar(db, "SELECT count(*) FROM people"));
        Assert.Equal(1, Scalar(db, "SELECT count(*) FROM people WHERE name = 'Doe, Jane' AND note = 'line one' || char(10) || 'line two' AND zip = '00501'"));
        Assert.Equal(1, Scalar(db, "SELECT count(*) FROM people WHERE note = 'says \"hi\"'"));
        var reject = TestServer.ParseJson(Assert.Single(File.ReadAllLines(temp.File("rejects.jsonl"))));
        Assert.Equal("people.csv:5", reject.GetProperty("location").GetString());
    }

    [Fact]
    public async Task Insert_bad_lines_go_to_rejects_with_line_numbers()
    {
        using var temp = new TempDirectory();
        temp.Write("in.jsonl", "{\"id\":1}\nnot json\n{\"id\":\"two\"}\n{\"id\":3}\n{\"id\":4}\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "in.jsonl", "--db", "app.db", "--table", "t", "--rejects", "rejects.jsonl"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(["in.jsonl:2", "in.jsonl:3"], File.ReadAllLines(temp.File("rejects.jsonl")).Select(l => TestServer.ParseJson(l).GetProperty("location").GetString()).Order());
        Assert.Equal(3, Scalar(temp.File("app.db"), "SELECT count(*) FROM t"));
    }

    [Fact]
    public async Task A_failed_transaction_of_several_batches_is_written_again_keeping_its_good_rows()
    {
        using var temp = new TempDirectory();

        // Transactions of 25,000 rows stream as batches of 8,334: the duplicate key fails the first transaction,
        // whose batches are then written again one by one; the line with a wrong type is rejected once.
        var lines = Rows(30_000).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[11_999] = "{\"id\":\"twelve thousand\",\"name\":\"x\",\"score\":1.5,\"tag\":\"t\"}";
        lines[19_999] = "{\"id\":5,\"name\":\"duplicate\",\"score\":1.5,\"tag\":\"t\"}";
        temp.Write("rows.jsonl", string.Join('\n', lines) + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "app.db", "--table", "rows", "--pk", "id", "--batch", "25000", "--rejects", "rejects.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("inserted 29998, updated 0, ignored 0, rejected 2", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(["rows.jsonl:12000", "rows.jsonl:20000"], File.ReadAllLines(temp.File("rejects.jsonl")).Select(l => TestServer.ParseJson(l).GetProperty("location").GetString()).Order());
        Assert.Equal(29_998, Scalar(temp.File("app.db"), "SELECT count(*) FROM rows WHERE name = 'name ' || id AND score = id % 100 + 0.5 AND tag = 't' || (id % 7)"));
    }

    private static long SafeCount(string db)
    {
        try
        {
            return Scalar(db, "SELECT count(*) FROM rows");
        }
        catch (SqliteException)
        {
            return 0;
        }
    }
}
