using Fanout.Tests.Support;
using Microsoft.Data.Sqlite;
using Npgsql;
using Xunit;

namespace Fanout.Tests.Faults;

/// <summary>Values that do not fit, a reject limit, a lost server and kills mid-load: rows are exact or refused, never silently changed.</summary>
[Collection(PostgresCollection.Name)]
public sealed class InsertFaultTests(PostgresServer server)
{
    [Fact]
    public async Task Issue15_Integers_beyond_64_bits_are_stored_exactly_never_rounded()
    {
        using var temp = new TempDirectory();
        temp.Write("rows.jsonl", """
            {"id":1,"big":9223372036854775807,"huge":18446744073709551616,"mixed":1.5}
            {"id":2,"big":-9223372036854775808,"huge":"123","mixed":9007199254740993}
            """ + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "app.db", "--table", "t", "-q", "-o", "r.jsonl", "--rejects", "rejects.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        using var connection = new SqliteConnection($"Data Source={temp.File("app.db")}");
        connection.Open();
        using var command = new SqliteCommand("SELECT id, CAST(big AS TEXT), CAST(huge AS TEXT), typeof(big) FROM t ORDER BY id", connection);
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal("9223372036854775807", reader.GetString(1));
        Assert.Equal("18446744073709551616", reader.GetString(2));
        Assert.Equal("integer", reader.GetString(3));
        Assert.False(reader.Read());
        // 9007199254740993 is not a double: the row is refused with the reason, not stored as ...992.
        var reject = TestServer.ParseJson(Assert.Single(File.ReadAllLines(temp.File("rejects.jsonl"))));
        Assert.Contains("floating-point", reject.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 10)]
    [InlineData(5, 3)]
    [InlineData(1, 1000)]
    public async Task Issue15_The_reject_limit_stops_at_the_limit_whatever_the_batch(int limit, int batch)
    {
        using var temp = new TempDirectory();
        temp.Write("rows.jsonl", "{\"id\":0,\"n\":0}\n" + string.Concat(Enumerable.Range(1, 40).Select(i => i % 4 == 0 ? $"{{\"id\":{i},\"n\":\"x{i}\"}}\n" : $"{{\"id\":{i},\"n\":{i}}}\n")));

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "app.db", "--table", "t", "--batch", batch.ToString(System.Globalization.CultureInfo.InvariantCulture), "--max-failures", limit.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "r.jsonl", "--rejects", "rejects.jsonl"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(limit, File.ReadAllLines(temp.File("rejects.jsonl")).Length);
        Assert.Contains($"stopped: {limit} rejected record", run.Stderr, StringComparison.Ordinal);
        // Every row before the last reject is loaded, none after it.
        using var connection = new SqliteConnection($"Data Source={temp.File("app.db")}");
        connection.Open();
        using var command = new SqliteCommand("SELECT count(*), max(id) FROM t", connection);
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        var lastReject = 4 * limit;
        Assert.Equal(lastReject - (limit - 1), reader.GetInt64(0));
        Assert.Equal(lastReject - 1, reader.GetInt64(1));
    }

    [Fact]
    public async Task Issue15_Losing_the_server_mid_load_says_what_is_committed_and_how_to_go_on()
    {
        using var temp = new TempDirectory();
        var database = "lost_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync(server.ConnectionString, $"CREATE DATABASE {database}");
        var url = server.Url(database);

        using var process = FanoutCli.Start(temp.Path, ["insert", "-", "--db", url, "--table", "t", "--pk", "id", "--batch", "1000", "-q"]);
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(string.Concat(Enumerable.Range(1, 5000).Select(i => $"{{\"id\":{i},\"v\":\"r{i}\"}}\n")));
        await process.StandardInput.FlushAsync();
        await Eventually.TrueAsync(() => Count(url) >= 1000, "committed rows", TimeSpan.FromSeconds(30));

        await ExecuteAsync(server.ConnectionString, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()");
        try
        {
            // Bytes straight to the pipe: a failed write leaves nothing buffered for the writer's dispose to flush again.
            await process.StandardInput.BaseStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(5001, 5000).Select(i => $"{{\"id\":{i},\"v\":\"r{i}\"}}\n"))));
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // fanout noticed the lost server first and ended: its stdin is closed (a broken pipe here).
        }
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(limit.Token);

        var error = await stderr;
        Assert.True(process.ExitCode == 1, error);
        Assert.Contains("lost", error, StringComparison.Ordinal);
        Assert.Contains("--upsert", error, StringComparison.Ordinal);
        Assert.DoesNotContain("channel", error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"the {Count(url)} rows committed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue15_Killed_at_random_moments_and_rerun_the_table_holds_each_row_once()
    {
        using var temp = new TempDirectory();
        const int Rows = 200_000;
        temp.Write("rows.jsonl", string.Concat(Enumerable.Range(1, Rows).Select(i => $"{{\"id\":{i},\"v\":\"row {i}\"}}\n")));
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        var database = "killed_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync(server.ConnectionString, $"CREATE DATABASE {database}");

        foreach (var target in new[] { "app.db", server.Url(database) })
        {
            for (var round = 0; round < 3; round++)
            {
                using var process = FanoutCli.Start(temp.Path, ["insert", "rows.jsonl", "--db", target, "--table", "t", "--pk", "id", "--ignore", "--batch", "5000", "-q"]);
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(100, 1200)));
                process.Kill();
                await process.WaitForExitAsync();
            }

            var rerun = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", target, "--table", "t", "--pk", "id", "--ignore", "-q"]);
            Assert.True(rerun.ExitCode == 0, $"seed {seed}, {target}\n{rerun}");
        }

        using (var sqlite = new SqliteConnection($"Data Source={temp.File("app.db")}"))
        {
            sqlite.Open();
            using var command = new SqliteCommand("SELECT count(*), count(DISTINCT id), sum(length(v)) FROM t", sqlite);
            using var reader = command.ExecuteReader();
            Assert.True(reader.Read());
            Assert.Equal(Rows, reader.GetInt64(0));
            Assert.Equal(Rows, reader.GetInt64(1));
        }

        Assert.Equal(Rows, Count(server.Url(database)));
    }

    private static long Count(string url)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = new Uri(url).Port, Username = "postgres", Database = new Uri(url).AbsolutePath.Trim('/'), Pooling = false };
            using var connection = new NpgsqlConnection(builder.ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT count(*) FROM t", connection);
            return (long)command.ExecuteScalar()!;
        }
        catch (PostgresException ex) when (ex.SqlState == "42P01")
        {
            return 0;
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
