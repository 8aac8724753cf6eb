using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

/// <summary>Issue 20: read for real data work: BLAKE3 and checking a tree against a manifest.</summary>
public sealed class Issue20Tests
{
    [Fact]
    public async Task Issue20_Blake3_digests_equal_b3sums()
    {
        using var temp = new TempDirectory();
        temp.Write("d/empty.txt", string.Empty);
        temp.Write("d/small.txt", "hello\n");
        // Over one 64 KiB buffer and not a multiple of BLAKE3's 1 KiB chunks: the streaming path.
        File.WriteAllBytes(temp.File("d/big.bin"), [.. Enumerable.Range(0, 300_001).Select(i => (byte)(i * 7 % 251))]);

        var run = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--hash", "blake3", "--sort", "-q"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var expected = ProcessRunner.Run("b3sum", temp.File("d/big.bin"), temp.File("d/empty.txt"), temp.File("d/small.txt"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split("  ")).ToDictionary(p => Path.GetFileName(p[1]), p => p[0]);
        var records = run.JsonLines;
        Assert.Equal(3, records.Count);
        Assert.All(records, r => Assert.Equal(expected[Path.GetFileName(r.GetProperty("path").GetString()!)], r.GetProperty("blake3").GetString()));
    }

    [Fact]
    public async Task Issue20_Check_reports_changed_new_missing_and_moved_files_and_exits_1()
    {
        using var temp = new TempDirectory();
        foreach (var name in new[] { "same", "edit", "gone", "move" })
        {
            temp.Write($"d/{name}.txt", $"content of {name}\n");
        }

        var manifest = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--hash", "blake3", "-q", "-o", "manifest.jsonl"]);
        var clean = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--check", "manifest.jsonl", "-o", "now.jsonl"]);
        temp.Write("d/edit.txt", "edited\n");
        File.Delete(temp.File("d/gone.txt"));
        Directory.CreateDirectory(temp.File("d/sub"));
        File.Move(temp.File("d/move.txt"), temp.File("d/sub/moved.txt"));
        temp.Write("d/added.txt", "new file\n");

        var changed = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--check", "manifest.jsonl", "-o", "now.jsonl", "--stats", "stats.json"]);

        Assert.True(manifest.ExitCode == 0 && clean.ExitCode == 0, manifest.ToString() + clean);
        Assert.Contains("unchanged  4", clean.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, changed.ExitCode);
        var check = TestServer.ParseJson(File.ReadAllText(temp.File("stats.json")));
        Assert.Equal((1, 1, 1, 1, 1), (check.GetProperty("check").GetProperty("unchanged").GetInt32(), check.GetProperty("check").GetProperty("changed").GetInt32(), check.GetProperty("check").GetProperty("new").GetInt32(), check.GetProperty("check").GetProperty("missing").GetInt32(), check.GetProperty("check").GetProperty("moved").GetInt32()));
        Assert.Contains("Changed:\n  d/edit.txt", changed.Stderr, StringComparison.Ordinal);
        Assert.Contains("New:\n  d/added.txt", changed.Stderr, StringComparison.Ordinal);
        Assert.Contains("Missing:\n  d/gone.txt", changed.Stderr, StringComparison.Ordinal);
        Assert.Contains("Moved:\n  d/move.txt -> d/sub/moved.txt", changed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue20_Check_tells_files_left_out_by_the_walk_from_missing_ones()
    {
        using var temp = new TempDirectory();
        temp.Write("d/a.txt", "a\n");
        temp.Write("d/.env", "secret\n");
        var manifest = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--hidden", "-q", "-o", "manifest.jsonl"]);

        var plain = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--check", "manifest.jsonl", "-o", "now.jsonl", "--stats", "stats.json"]);
        var same = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--hidden", "--check", "manifest.jsonl", "-o", "now.jsonl"]);

        Assert.True(manifest.ExitCode == 0, manifest.ToString());
        Assert.Equal(1, plain.ExitCode);
        var check = TestServer.ParseJson(File.ReadAllText(temp.File("stats.json"))).GetProperty("check");
        Assert.Equal((1, 0, 1), (check.GetProperty("unchanged").GetInt32(), check.GetProperty("missing").GetInt32(), check.GetProperty("not_read").GetInt32()));
        Assert.Contains("d/.env", plain.Stderr, StringComparison.Ordinal);
        Assert.True(same.ExitCode == 0, same.ToString());
    }

    [Fact]
    public async Task Issue20_Check_refuses_a_bad_manifest_and_a_different_hash_with_the_reason()
    {
        using var temp = new TempDirectory();
        temp.Write("d/a.txt", "a\n");
        temp.Write("sha.jsonl", "{\"path\":\"d/a.txt\",\"sha256\":\"00\"}\n");
        temp.Write("broken.jsonl", "{\"path\":\"d/a.txt\",\"sha256\":\"00\"}\nnot json\n");

        var other = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--check", "sha.jsonl", "--hash", "blake3"]);
        var broken = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--check", "broken.jsonl"]);
        var differs = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--check", "sha.jsonl", "-q"]);

        Assert.Equal(2, other.ExitCode);
        Assert.Contains("--check: the manifest holds sha256 digests, not blake3: leave out --hash", other.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains("--check: broken.jsonl:2: not JSON", broken.Stderr, StringComparison.Ordinal);
        // The digest computed is the manifest's (sha256 here), so the file is compared, and it changed.
        Assert.Equal(1, differs.ExitCode);
        Assert.Contains("\"sha256\":", differs.Stdout, StringComparison.Ordinal);
    }
}

/// <summary>Issue 20: read --extract, and the README's logs-to-a-table recipe.</summary>
public sealed class Issue20ExtractTests
{
    [Fact]
    public async Task Issue20_Extract_makes_a_typed_row_per_matching_line_on_stdout()
    {
        using var temp = new TempDirectory();
        temp.Write("a.log", "t1 INFO 42 ok\nnoise\nt2 WARN 007 x\nt3 ERROR -0.5 \"quoted\" <b>\nt4 INFO true y\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["read", "a.log", "--extract", @"(?<ts>\S+) (?<level>[A-Z]+) (?<n>\S+) (?<rest>.*)", "-o", "files.jsonl"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var rows = run.JsonLines;
        Assert.Equal([1L, 3L, 4L, 5L], rows.Select(r => r.GetProperty("line").GetInt64()));
        Assert.All(rows, r => Assert.Equal("a.log", r.GetProperty("path").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.Number, rows[0].GetProperty("n").ValueKind);
        Assert.Equal("007", rows[1].GetProperty("n").GetString());
        Assert.Equal(-0.5, rows[2].GetProperty("n").GetDouble());
        Assert.Equal("\"quoted\" <b>", rows[2].GetProperty("rest").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.True, rows[3].GetProperty("n").ValueKind);
        // The per-file record went to -o, with the run's summary on stderr.
        Assert.Single(File.ReadAllLines(temp.File("files.jsonl")));
        Assert.Contains("4 rows extracted", run.Stderr, StringComparison.Ordinal);

        var unnamed = await FanoutCli.RunAsync(temp.Path, ["read", "a.log", "--extract", @"(\S+) INFO"]);
        var reserved = await FanoutCli.RunAsync(temp.Path, ["read", "a.log", "--extract", @"(?<line>\S+)"]);
        Assert.Equal(2, unnamed.ExitCode);
        Assert.Contains("--extract: the regex has no named groups", unnamed.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, reserved.ExitCode);
        Assert.Contains("'line' is a field every row has", reserved.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue20_The_readmes_logs_to_a_table_recipe_runs_as_written()
    {
        using var temp = new TempDirectory();
        temp.Write("logs/api.log", "2026-11-30T01:00:00Z INFO started\n2026-11-30T01:00:05Z ERROR disk full: /var\nnot a log line\n");
        temp.Write("logs/web.log", "2026-11-30T02:00:00Z WARN slow request 'x'\n");
        var run = await Issue19Tests.RunReadmeAsync(temp.Path, "### Logs to a table");

        Assert.True(run.ExitCode == 0, run.ToString());
        var table = ProcessRunner.Run("sqlite3", temp.File("logs.db"), "select path, line, level, msg from logs order by path, line");
        Assert.Equal("logs/api.log|1|INFO|started\nlogs/api.log|2|ERROR|disk full: /var\nlogs/web.log|1|WARN|slow request 'x'\n", table);
    }
}

/// <summary>Issue 20: insert --flatten into SQLite and PostgreSQL, through the fast parser and the full one.</summary>
[Collection(PostgresCollection.Name)]
public sealed class Issue20FlattenTests(PostgresServer server)
{
    // Line 1 takes the fast path (no escapes, no spaces); line 2 has an escaped name and spaces (the full reader);
    // line 3 an empty nested object and an array (arrays stay JSON).
    private const string Rows =
        "{\"id\":1,\"user\":{\"name\":\"ann\",\"geo\":{\"lat\":1.5}},\"tags\":[\"a\",\"b\"]}\n" +
        "{ \"id\": 2, \"us\\u0065r\": { \"name\": \"b\\u00e9a\", \"geo\": { \"lat\": -2 } }, \"tags\": [] }\n" +
        "{\"id\":3,\"user\":{},\"tags\":null}\n";

    [Fact]
    public async Task Issue20_Flatten_makes_outer_inner_columns_in_sqlite()
    {
        using var temp = new TempDirectory();
        temp.Write("rows.jsonl", Rows);

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "t.db", "--table", "t", "--flatten", "-q"]);
        var plain = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "plain.db", "--table", "t", "-q"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("id,user_name,user_geo_lat,tags\n", ProcessRunner.Run("sqlite3", temp.File("t.db"), "select group_concat(name, ',') from pragma_table_info('t')"));
        Assert.Equal("1|ann|1.5|[\"a\",\"b\"]\n2|béa|-2.0|[]\n3|||\n", ProcessRunner.Run("sqlite3", temp.File("t.db"), "select * from t order by id"));
        // Without --flatten a nested object is one JSON column, as before.
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Equal("id,user,tags\n", ProcessRunner.Run("sqlite3", temp.File("plain.db"), "select group_concat(name, ',') from pragma_table_info('t')"));
    }

    [Fact]
    public async Task Issue20_Flatten_makes_outer_inner_columns_in_postgresql()
    {
        using var temp = new TempDirectory();
        temp.Write("rows.jsonl", Rows);
        var table = "f_" + Guid.NewGuid().ToString("N")[..10];

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", server.Url(), "--table", table, "--flatten", "-q"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("id,user_name,user_geo_lat,tags", await server.ScalarAsync($"SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '{table}'"));
        Assert.Equal("ann,béa,-", await server.ScalarAsync($"SELECT string_agg(coalesce(user_name, '-'), ',' ORDER BY id) FROM {table}"));
    }
}

/// <summary>Issue 20: gzip input is read decompressed by every job that reads lines.</summary>
public sealed class Issue20GzipTests
{
    [Fact]
    public async Task Issue20_Gzip_inputs_are_read_decompressed_whatever_their_name()
    {
        using var temp = new TempDirectory();
        var rows = string.Concat(Enumerable.Range(1, 5000).Select(i => $"{{\"id\":{i},\"name\":\"n{i}\"}}\n"));
        static void WriteGzip(string path, string text)
        {
            using var file = File.Create(path);
            using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest);
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(text));
        }

        WriteGzip(temp.File("rows.jsonl.gz"), "\uFEFF" + rows);
        File.Copy(temp.File("rows.jsonl.gz"), temp.File("no-extension"));
        WriteGzip(temp.File("tests.gz"), "a\ttrue\nb\ttrue\n");

        var insert = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl.gz", "no-extension", "--db", "t.db", "--table", "t", "--pk", "id", "--ignore", "-q"]);
        var test = await FanoutCli.RunAsync(temp.Path, ["test", "tests.gz", "-q"]);

        Assert.True(insert.ExitCode == 0, insert.ToString());
        Assert.Equal("5000|5000\n", ProcessRunner.Run("sqlite3", temp.File("t.db"), "select count(*), max(id) from t"));
        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.Equal(2, test.JsonLines.Count);
    }

    [Fact]
    public async Task Issue20_A_cut_gzip_file_is_an_input_error_and_concatenated_members_are_read_whole()
    {
        using var temp = new TempDirectory();
        static byte[] Gzip(string text)
        {
            using var buffer = new MemoryStream();
            using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(System.Text.Encoding.UTF8.GetBytes(text));
            }

            return buffer.ToArray();
        }

        var first = Gzip(string.Concat(Enumerable.Range(1, 3000).Select(i => $"{{\"id\":{i}}}\n")));
        var second = Gzip(string.Concat(Enumerable.Range(3001, 3000).Select(i => $"{{\"id\":{i}}}\n")));
        File.WriteAllBytes(temp.File("both.gz"), [.. first, .. second]);
        // Cut at a line end inside the data and just before the trailer: neither may pass as a whole file.
        File.WriteAllBytes(temp.File("cut.gz"), first[..(first.Length / 2)]);
        File.WriteAllBytes(temp.File("no-trailer.gz"), first[..^8]);

        var both = await FanoutCli.RunAsync(temp.Path, ["insert", "both.gz", "--db", "t.db", "--table", "t", "-q"]);
        var cut = await FanoutCli.RunAsync(temp.Path, ["insert", "cut.gz", "--db", "c.db", "--table", "t", "-q"]);
        var noTrailer = await FanoutCli.RunAsync(temp.Path, ["insert", "no-trailer.gz", "--db", "n.db", "--table", "t", "-q"]);

        Assert.True(both.ExitCode == 0, both.ToString());
        Assert.Equal("6000|6000\n", ProcessRunner.Run("sqlite3", temp.File("t.db"), "select count(*), max(id) from t"));
        Assert.Equal(2, cut.ExitCode);
        Assert.Contains("cut.gz: the gzip file is cut short or damaged", cut.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, noTrailer.ExitCode);
        Assert.Contains("no-trailer.gz: the gzip file is cut short or damaged", noTrailer.Stderr, StringComparison.Ordinal);
    }
}

/// <summary>Issue 20: TSV and other delimiters for insert, SQLite and PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class Issue20DelimiterTests(PostgresServer server)
{
    [Fact]
    public async Task Issue20_Tsv_files_and_delimiters_load_with_quotes_kept_apart()
    {
        using var temp = new TempDirectory();
        temp.Write("people.tsv", "id\tname\tnote\n1\tann\t\"tab\tinside\"\n2\tbob\tx,y;z\n");
        temp.Write("semi.txt", "id;name\n1;ann\n2;\"b;ob\"\n3;only;extra\n");

        var tsv = await FanoutCli.RunAsync(temp.Path, ["insert", "people.tsv", "--db", "t.db", "--table", "people", "-q"]);
        var semi = await FanoutCli.RunAsync(temp.Path, ["insert", "semi.txt", "--db", "t.db", "--table", "semi", "--delimiter", ";", "--rejects", "rejects.jsonl", "-q"]);
        var bad = await FanoutCli.RunAsync(temp.Path, ["insert", "semi.txt", "--db", "t.db", "--table", "x", "--delimiter", "\""]);
        var table = "tsv_" + Guid.NewGuid().ToString("N")[..10];
        var postgres = await FanoutCli.RunAsync(temp.Path, ["insert", "people.tsv", "--db", server.Url(), "--table", table, "-q"]);

        Assert.True(tsv.ExitCode == 0, tsv.ToString());
        Assert.Equal("1|ann|tab\tinside\n2|bob|x,y;z\n", ProcessRunner.Run("sqlite3", temp.File("t.db"), "select * from people order by id"));
        Assert.Equal(1, semi.ExitCode);
        Assert.Equal("1|ann\n2|b;ob\n", ProcessRunner.Run("sqlite3", temp.File("t.db"), "select * from semi order by id"));
        Assert.Contains("3 fields, the header has 2", File.ReadAllText(temp.File("rejects.jsonl")), StringComparison.Ordinal);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--delimiter:", bad.Stderr, StringComparison.Ordinal);
        Assert.True(postgres.ExitCode == 0, postgres.ToString());
        Assert.Equal("tab\tinside|x,y;z", await server.ScalarAsync($"SELECT string_agg(note, '|' ORDER BY id) FROM {table}"));
    }
}

/// <summary>Issue 20: read's --size and --newer filters.</summary>
public sealed class Issue20FilterTests
{
    [Fact]
    public async Task Issue20_Size_and_newer_select_files_as_fd_does()
    {
        using var temp = new TempDirectory();
        temp.Write("d/small.txt", "x");
        temp.Write("d/big.txt", new string('y', 5000));
        temp.Write("d/old.txt", new string('z', 3000));
        File.SetLastWriteTimeUtc(temp.File("d/old.txt"), DateTime.UtcNow.AddDays(-10));
        temp.Write("marker", string.Empty);
        File.SetLastWriteTimeUtc(temp.File("marker"), DateTime.UtcNow.AddDays(-5));

        var large = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--size", "+2k", "--sort", "-q"]);
        var small = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--size", "-100", "-q"]);
        var recent = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--newer", "2d", "--size", "+2", "--sort", "-q"]);
        var afterMarker = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--newer", "marker", "--sort", "-q"]);
        var bad = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--size", "2k", "--newer", "yesterday"]);

        string Paths(FanoutCli.Run run) => string.Join(",", run.JsonLines.Select(r => r.GetProperty("path").GetString()));
        Assert.Equal("d/big.txt,d/old.txt", Paths(large));
        Assert.Equal("d/small.txt", Paths(small));
        Assert.Equal("d/big.txt", Paths(recent));
        Assert.Equal("d/big.txt,d/small.txt", Paths(afterMarker));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--size: '2k' needs + (at least) or - (at most)", bad.Stderr, StringComparison.Ordinal);
    }
}

/// <summary>Issue 20: read --grep -v counts what grep -v counts.</summary>
public sealed class Issue20InvertTests
{
    [Theory]
    [InlineData("ERROR")]
    [InlineData("ERR.R|FATAL")]
    public async Task Issue20_Invert_match_counts_as_grep_v_and_keeps_the_first_lines(string pattern)
    {
        using var temp = new TempDirectory();
        temp.Write("d/a.log", string.Concat(Enumerable.Range(1, 500).Select(i => i % 7 == 0 ? $"{i} ERROR boom\n" : i % 11 == 0 ? $"{i} FATAL\r\n" : $"{i} fine\n")) + "last line without newline");
        temp.Write("d/b.log", "only ERROR\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["read", "d", "--grep", pattern, "-v", "--max-matches", "3", "--sort", "-q"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var records = run.JsonLines.ToDictionary(r => Path.GetFileName(r.GetProperty("path").GetString()!));
        foreach (var name in new[] { "a.log", "b.log" })
        {
            var expected = ProcessRunner.RunAllowingExit("grep", "-vcE", pattern, temp.File($"d/{name}")).Trim();
            Assert.Equal(expected, records[name].GetProperty("match_count").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(["1 fine", "2 fine", "3 fine"], records["a.log"].GetProperty("matches").EnumerateArray().Select(m => m.GetProperty("text").GetString()));
        Assert.Equal([1L, 2L, 3L], records["a.log"].GetProperty("matches").EnumerateArray().Select(m => m.GetProperty("line").GetInt64()));
    }
}

/// <summary>Issue 20: read walks as ripgrep does, reads compressed files with -z, and gives grep context.</summary>
public sealed class Issue20WalkTests
{
    private static readonly string[] Tree =
    [
        "a.txt", "top.txt", "sub/top.txt", "x.log", "keep.log", "sub/y.log", "build/out.bin", "sub/build/o.bin", "docs/a/b/c.tmp",
        "docs/c.tmp", "docs/readme.md", "secret.key", "sub/local/z.txt", ".env", ".hidden/h.txt", "sub/.dot.txt", "sp ace.txt", "sub/notes.tmp",
    ];

    private static List<string> Paths(FanoutCli.Run run) => [.. run.JsonLines.Select(r => r.GetProperty("path").GetString()!).Order(StringComparer.Ordinal)];

    private static List<string> Ripgrep(params string[] args) =>
        [.. ProcessRunner.Run("rg", ["--files", .. args]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.Contains("/.git/", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Issue20_The_walk_reads_what_ripgrep_reads_with_and_without_hidden_and_ignore_files()
    {
        using var temp = new TempDirectory();
        var repo = temp.File("repo");
        foreach (var file in Tree)
        {
            temp.Write($"repo/{file}", $"{file}\n");
        }

        ProcessRunner.Run("git", "init", "-q", repo);
        temp.Write("repo/.git/info/exclude", "*.tmp\n");
        temp.Write("repo/.gitignore", "*.log\n!keep.log\nbuild/\n/top.txt\ndocs/**/*.tmp\n");
        temp.Write("repo/.ignore", "secret*\n");
        temp.Write("repo/sub/.gitignore", "!*.log\nlocal/\n");

        var plain = await FanoutCli.RunAsync(temp.Path, ["read", repo, "--hash", "none", "-q"]);
        var hidden = await FanoutCli.RunAsync(temp.Path, ["read", repo, "--hash", "none", "-q", "--hidden"]);
        var noIgnore = await FanoutCli.RunAsync(temp.Path, ["read", repo, "--hash", "none", "-q", "--no-ignore"]);
        var named = await FanoutCli.RunAsync(temp.Path, ["read", $"{repo}/.env", $"{repo}/x.log", "--hash", "none", "-q"]);

        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Equal(Ripgrep(repo), Paths(plain));
        Assert.Equal([$"{repo}/a.txt", $"{repo}/docs/readme.md", $"{repo}/keep.log", $"{repo}/sp ace.txt", $"{repo}/sub/top.txt", $"{repo}/sub/y.log"], Paths(plain));
        Assert.Equal(Ripgrep(repo, "--hidden"), Paths(hidden));
        Assert.Equal(Ripgrep(repo, "--no-ignore"), Paths(noIgnore));
        Assert.Equal(2, Paths(named).Count);
    }

    [Fact]
    public async Task Issue20_Decompress_reads_gzip_and_zstd_text_keeps_the_files_digest_and_reports_a_cut_file()
    {
        using var temp = new TempDirectory();
        var text = string.Concat(Enumerable.Range(1, 20_000).Select(i => i % 1000 == 0 ? $"{i} ERROR disk full\n" : $"{i} INFO fine\n"));
        temp.Write("logs/app.log", text);
        ProcessRunner.Run("gzip", "-k", temp.File("logs/app.log"));
        ProcessRunner.Run("zstd", "-q", "-k", temp.File("logs/app.log"));
        var zst = File.ReadAllBytes(temp.File("logs/app.log.zst"));
        File.WriteAllBytes(temp.File("logs/cut.log.zst"), zst[..(zst.Length / 2)]);

        var run = await FanoutCli.RunAsync(temp.Path, ["read", "logs", "-z", "--grep", "ERROR", "--sort", "-q"]);
        var without = await FanoutCli.RunAsync(temp.Path, ["read", "logs/app.log.gz", "--grep", "ERROR", "-q"]);

        Assert.Equal(1, run.ExitCode);
        var records = run.JsonLines.ToDictionary(r => Path.GetFileName(r.GetProperty("path").GetString()!));
        foreach (var name in new[] { "app.log", "app.log.gz", "app.log.zst" })
        {
            var record = records[name];
            Assert.Equal(20_000, record.GetProperty("lines").GetInt64());
            Assert.Equal(20, record.GetProperty("match_count").GetInt64());
            Assert.Equal("1000 ERROR disk full", record.GetProperty("matches")[0].GetProperty("text").GetString());
            Assert.Equal(new FileInfo(temp.File($"logs/{name}")).Length, record.GetProperty("bytes").GetInt64());
            Assert.Equal(ProcessRunner.Run("sha256sum", temp.File($"logs/{name}")).Split(' ')[0], record.GetProperty("sha256").GetString());
        }

        Assert.Equal(System.Text.Json.JsonValueKind.Null, records["app.log"].GetProperty("compression").ValueKind);
        Assert.Equal("gzip", records["app.log.gz"].GetProperty("compression").GetString());
        Assert.Equal(text.Length, records["app.log.zst"].GetProperty("uncompressed_bytes").GetInt64());
        Assert.Equal("corrupt", records["cut.log.zst"].GetProperty("error_kind").GetString());
        Assert.Contains("cut.log.zst: the zstd file is cut short or damaged", records["cut.log.zst"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, Assert.Single(without.JsonLines).GetProperty("match_count").GetInt64());
    }

    [Fact]
    public async Task Issue20_Grep_context_lines_come_with_each_match()
    {
        using var temp = new TempDirectory();
        temp.Write("app.log", "boot\nstart\nERROR one\nretry\nok\nstop\nERROR two\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["read", "app.log", "--grep", "ERROR", "-C", "2", "-q"]);
        var after = await FanoutCli.RunAsync(temp.Path, ["read", "app.log", "--grep", "error", "-i", "-A", "1", "-q"]);
        var bad = await FanoutCli.RunAsync(temp.Path, ["read", "app.log", "-C", "2"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var matches = Assert.Single(run.JsonLines).GetProperty("matches");
        Assert.Equal("""[{"line":3,"text":"ERROR one","before":["boot","start"],"after":["retry","ok"]},{"line":7,"text":"ERROR two","before":["ok","stop"],"after":[]}]""", matches.GetRawText());
        Assert.Equal("""[{"line":3,"text":"ERROR one","after":["retry"]},{"line":7,"text":"ERROR two","after":[]}]""", Assert.Single(after.JsonLines).GetProperty("matches").GetRawText());
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--context: give the pattern with --grep", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue20_Zstd_inputs_load_like_gzip_ones_and_a_cut_one_is_an_input_error()
    {
        using var temp = new TempDirectory();
        temp.Write("rows.jsonl", string.Concat(Enumerable.Range(1, 3000).Select(i => $"{{\"id\":{i}}}\n")));
        ProcessRunner.Run("zstd", "-q", temp.File("rows.jsonl"));
        var zst = File.ReadAllBytes(temp.File("rows.jsonl.zst"));
        File.WriteAllBytes(temp.File("cut.zst"), zst[..^6]);

        var load = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl.zst", "--db", "t.db", "--table", "t", "-q"]);
        var cut = await FanoutCli.RunAsync(temp.Path, ["insert", "cut.zst", "--db", "c.db", "--table", "t", "-q"]);

        Assert.True(load.ExitCode == 0, load.ToString());
        Assert.Equal("3000|3000\n", ProcessRunner.Run("sqlite3", temp.File("t.db"), "select count(*), max(id) from t"));
        Assert.Equal(2, cut.ExitCode);
        Assert.Contains("cut.zst: the zstd file is cut short or damaged", cut.Stderr, StringComparison.Ordinal);
    }
}

/// <summary>Issue 20: insert's --type, JSON array inputs and --plan, on SQLite and PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class Issue20InsertTests(PostgresServer server)
{
    private const string Places = "id,zip,price,payload,ok\n1,02134,1.50,\"{\"\"a\"\":1}\",true\n2,90210,2,\"[1,2]\",false\n3,x,3.25,plain,true\n";

    private static string NewTable() => "t_" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Issue20_Type_overrides_inference_and_keeps_values_as_written_in_sqlite_and_postgres()
    {
        using var temp = new TempDirectory();
        temp.Write("places.csv", Places);
        string[] types = ["--type", "zip=text,price=text", "--type", "payload=json", "--type", "ok=integer"];
        var table = NewTable();

        var sqlite = await FanoutCli.RunAsync(temp.Path, ["insert", "places.csv", "--db", "t.db", "--table", "places", .. types, "-q"]);
        var postgres = await FanoutCli.RunAsync(temp.Path, ["insert", "places.csv", "--db", server.Url(), "--table", table, .. types, "-q"]);

        Assert.True(sqlite.ExitCode == 0, sqlite.ToString());
        Assert.Equal("1|02134|1.50|object|1\n2|90210|2|array|0\n3|x|3.25|text|1\n", ProcessRunner.Run("sqlite3", temp.File("t.db"), "select id, zip, price, json_type(payload), ok from places order by id"));
        Assert.Contains("\"zip\" TEXT, \"price\" TEXT, \"payload\" JSON, \"ok\" INTEGER", ProcessRunner.Run("sqlite3", temp.File("t.db"), ".schema places"), StringComparison.Ordinal);
        Assert.True(postgres.ExitCode == 0, postgres.ToString());
        Assert.Equal("bigint,text,text,jsonb,bigint", await server.ScalarAsync($"SELECT string_agg(data_type, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '{table}'"));
        Assert.Equal("02134 1.50 object 1|90210 2 array 0|x 3.25 string 1", await server.ScalarAsync($"SELECT string_agg(concat_ws(' ', zip, price, jsonb_typeof(payload), ok), '|' ORDER BY id) FROM {table}"));
    }

    [Fact]
    public async Task Issue20_A_type_against_an_existing_column_or_a_bad_one_is_refused_before_anything_is_written()
    {
        using var temp = new TempDirectory();
        temp.Write("places.csv", Places);
        var first = await FanoutCli.RunAsync(temp.Path, ["insert", "places.csv", "--db", "t.db", "--table", "places", "--type", "price=text", "-q"]);

        var against = await FanoutCli.RunAsync(temp.Path, ["insert", "places.csv", "--db", "t.db", "--table", "places", "--type", "price=real", "-q"]);
        var badSyntax = await FanoutCli.RunAsync(temp.Path, ["insert", "places.csv", "--db", "t.db", "--table", "x", "--type", "price", "--type", "zip=decimal"]);
        var noField = await FanoutCli.RunAsync(temp.Path, ["insert", "places.csv", "--db", "n.db", "--table", "x", "--type", "nope=int"]);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(2, against.ExitCode);
        Assert.Contains("--type price=real: the table's column price is text", against.Stderr, StringComparison.Ordinal);
        Assert.Equal("3\n", ProcessRunner.Run("sqlite3", temp.File("t.db"), "select count(*) from places"));
        Assert.Equal(2, badSyntax.ExitCode);
        Assert.Contains("'price' is not COLUMN=TYPE", badSyntax.Stderr, StringComparison.Ordinal);
        Assert.Contains("'zip=decimal' is not COLUMN=TYPE", badSyntax.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, noField.ExitCode);
        Assert.Contains("--type nope: no record has a field 'nope'", noField.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue20_Json_arrays_load_pretty_minified_nested_with_a_bom_and_from_stdin()
    {
        using var temp = new TempDirectory();
        var records = Enumerable.Range(1, 30_000).Select(i => new Dictionary<string, object> { ["id"] = i == 77 ? "bad" : i, ["name"] = $"n \"{i}\"\n", ["geo"] = new Dictionary<string, double> { ["lat"] = i / 2.0 } }).ToList();
        var pretty = System.Text.Json.JsonSerializer.Serialize(records, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        var minified = System.Text.Json.JsonSerializer.Serialize(records);
        temp.Write("pretty.json", pretty);
        temp.Write("min.json", "\uFEFF" + minified);
        temp.Write("wrapped.json", $"{{\"meta\":{{\"data\":[1]}},\"result\":{{\"items\":{minified},\"next\":null}}}}");
        var table = NewTable();

        var runs = new List<FanoutCli.Run>
        {
            await FanoutCli.RunAsync(temp.Path, ["insert", "pretty.json", "--db", "t.db", "--table", "pretty", "--rejects", "pretty.rejects", "-q"]),
            await FanoutCli.RunAsync(temp.Path, ["insert", "min.json", "--db", "t.db", "--table", "min", "-q"]),
            await FanoutCli.RunAsync(temp.Path, ["insert", "wrapped.json", "--db", "t.db", "--table", "wrapped", "--records-at", "result.items", "--flatten", "-q"]),
            await FanoutCli.RunAsync(temp.Path, ["insert", "--db", "t.db", "--table", "piped", "-q"], stdin: pretty),
            await FanoutCli.RunAsync(temp.Path, ["insert", "min.json", "--db", server.Url(), "--table", table, "-q"]),
        };

        Assert.All(runs, run => Assert.True(run.ExitCode == 1, run.ToString()));
        foreach (var name in new[] { "pretty", "min", "wrapped", "piped" })
        {
            Assert.Equal("29999|30000\n", ProcessRunner.Run("sqlite3", temp.File("t.db"), $"select count(*), max(id) from {name}"));
        }

        Assert.Equal("n \"5\"\n|2.5\n", ProcessRunner.Run("sqlite3", temp.File("t.db"), "select name, geo_lat from wrapped where id = 5"));
        var reject = TestServer.ParseJson(File.ReadAllLines(temp.File("pretty.rejects")).Single());
        Assert.Equal("pretty.json:77", reject.GetProperty("location").GetString());
        Assert.Equal("{\"id\":\"bad\",\"name\":\"n \\u002277\\u0022\\n\",\"geo\":{\"lat\":38.5}}", reject.GetProperty("record").GetString());
        Assert.Equal(29999L, await server.ScalarAsync($"SELECT count(*) FROM {table}"));
    }

    [Fact]
    public async Task Issue20_A_cut_array_and_a_missing_records_path_are_input_errors()
    {
        using var temp = new TempDirectory();
        var array = System.Text.Json.JsonSerializer.Serialize(Enumerable.Range(1, 5000).Select(i => new { id = i }));
        temp.Write("cut.json", array[..(array.Length / 2)]);
        temp.Write("wrapped.json", "{\"data\": {\"rows\": 5}}");
        temp.Write("rows.csv", "a\n1\n");

        var cut = await FanoutCli.RunAsync(temp.Path, ["insert", "cut.json", "--db", "t.db", "--table", "t", "-q"]);
        var missing = await FanoutCli.RunAsync(temp.Path, ["insert", "wrapped.json", "--db", "t.db", "--table", "w", "--records-at", "data.items"]);
        var notArray = await FanoutCli.RunAsync(temp.Path, ["insert", "wrapped.json", "--db", "t.db", "--table", "w", "--records-at", "data.rows"]);
        var csv = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.csv", "--db", "t.db", "--table", "c", "--records-at", "data"]);

        Assert.Equal(2, cut.ExitCode);
        Assert.Contains("cut.json:1: the document ends inside its array after", cut.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--records-at data.items: no field 'items' in 'data'", missing.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, notArray.ExitCode);
        Assert.Contains("'data.rows' is a number, not an array", notArray.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, csv.ExitCode);
        Assert.Contains("--records-at: the input is read as CSV", csv.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue20_Plan_shows_schema_statements_and_the_rejects_a_load_makes_and_writes_nothing()
    {
        using var temp = new TempDirectory();
        var lines = Enumerable.Range(1, 25_000).Select(i => i switch
        {
            100 => "{\"id\":\"x\",\"name\":\"bad id\"}",
            20_000 => "{\"id\":20000,\"name\":\"late\",\"extra\":true}",
            21_000 => "not json",
            _ => $"{{\"id\":{i},\"name\":\"n{i}\",\"score\":{i}.5}}",
        });
        temp.Write("rows.jsonl", string.Join('\n', lines) + "\n");

        var plan = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "new.db", "--table", "rows", "--pk", "id", "--plan"]);
        var load = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "load.db", "--table", "rows", "--pk", "id", "--rejects", "rejects.jsonl", "-q"]);
        var kept = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "new.db", "--table", "rows", "--plan", "--sample", "50", "-o", "plan.txt"]);
        var loadOnly = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "new.db", "--table", "rows", "--plan", "--rejects", "r.jsonl", "--stats", "s.json"]);

        Assert.Equal(1, plan.ExitCode);
        Assert.False(File.Exists(temp.File("new.db")));
        Assert.Contains("the table would be created; nothing was written", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("25,000 records read: 24,997 would be loaded, 3 rejected", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE IF NOT EXISTS \"rows\" (\"id\" INTEGER, \"name\" TEXT, \"score\" REAL, PRIMARY KEY (\"id\"));", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("rows.jsonl:100: field \"id\": text 'x' is not an integer", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("rows.jsonl:20000: new field \"extra\"", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("rows.jsonl:21000: invalid JSON", plan.Stdout, StringComparison.Ordinal);

        // The plan's rejects are the load's, record for record.
        Assert.Equal(1, load.ExitCode);
        var rejected = File.ReadAllLines(temp.File("rejects.jsonl")).Select(l => TestServer.ParseJson(l).GetProperty("location").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["rows.jsonl:100", "rows.jsonl:20000", "rows.jsonl:21000"], rejected);
        Assert.Equal("24997\n", ProcessRunner.Run("sqlite3", temp.File("load.db"), "select count(*) from rows"));

        // -o keeps the plan's text; what only a load writes is refused, each named.
        Assert.True(kept.ExitCode == 0, kept.ToString());
        Assert.Empty(kept.Stdout);
        Assert.Contains("50 records read (the first ones: --sample): 50 would be loaded, 0 rejected", File.ReadAllText(temp.File("plan.txt")), StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("new.db")));
        Assert.Equal(2, loadOnly.ExitCode);
        Assert.Contains("--plan: --rejects is for a load", loadOnly.Stderr, StringComparison.Ordinal);
        Assert.Contains("--plan: --stats is for a load", loadOnly.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("r.jsonl")));
    }

    [Fact]
    public async Task Issue20_Plan_against_a_postgres_table_lists_the_alter_and_a_sample_reads_only_its_records()
    {
        using var temp = new TempDirectory();
        var table = NewTable();
        temp.Write("first.jsonl", "{\"id\":1,\"name\":\"a\"}\n");
        temp.Write("more.jsonl", "{\"id\":2,\"name\":\"b\",\"tags\":[1,2]}\n{\"id\":3,\"name\":\"c\",\"tags\":[3]}\n{\"id\":\"four\"}\n");
        var created = await FanoutCli.RunAsync(temp.Path, ["insert", "first.jsonl", "--db", server.Url(), "--table", table, "-q"]);

        var plan = await FanoutCli.RunAsync(temp.Path, ["insert", "more.jsonl", "--db", server.Url(), "--table", table, "--alter", "--plan"]);
        var sample = await FanoutCli.RunAsync(temp.Path, ["insert", "more.jsonl", "--db", server.Url(), "--table", table, "--alter", "--plan", "--sample", "2"]);
        var sampleWithoutPlan = await FanoutCli.RunAsync(temp.Path, ["insert", "more.jsonl", "--db", server.Url(), "--table", table, "--sample", "2"]);

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal(1, plan.ExitCode);
        Assert.Contains("the table exists; nothing was written", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains($"ALTER TABLE \"{table}\" ADD COLUMN IF NOT EXISTS \"tags\" JSONB;", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("more.jsonl:3: field \"id\": text 'four' is not an integer", plan.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, sample.ExitCode);
        Assert.Contains("2 records read (the first ones: --sample): 2 would be loaded, 0 rejected", sample.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, sampleWithoutPlan.ExitCode);
        Assert.Equal("id,name", await server.ScalarAsync($"SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '{table}'"));
        Assert.Equal(1L, await server.ScalarAsync($"SELECT count(*) FROM {table}"));
    }

    [Fact]
    public async Task Issue20_A_key_of_several_columns_makes_reruns_update_in_sqlite_and_postgres()
    {
        using var temp = new TempDirectory();
        temp.Write("first.jsonl", "{\"region\":\"eu\",\"id\":1,\"v\":\"a\"}\n{\"region\":\"us\",\"id\":1,\"v\":\"b\"}\n{\"region\":\"eu\",\"id\":2,\"v\":\"c\"}\n");
        temp.Write("again.jsonl", "{\"region\":\"eu\",\"id\":1,\"v\":\"A\"}\n{\"region\":\"us\",\"id\":2,\"v\":\"new\"}\n");
        var table = NewTable();
        foreach (var db in new[] { "k.db", server.Url() })
        {
            var name = db == "k.db" ? "keyed" : table;
            var first = await FanoutCli.RunAsync(temp.Path, ["insert", "first.jsonl", "--db", db, "--table", name, "--pk", "region, id", "-q"]);
            var again = await FanoutCli.RunAsync(temp.Path, ["insert", "again.jsonl", "--db", db, "--table", name, "--pk", "region,id", "--upsert", "-q"]);
            var clash = await FanoutCli.RunAsync(temp.Path, ["insert", "again.jsonl", "--db", db, "--table", name, "--pk", "region,id", "-q"]);

            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Equal(1, clash.ExitCode);
        }

        Assert.Equal("eu|1|A\neu|2|c\nus|1|b\nus|2|new\n", ProcessRunner.Run("sqlite3", temp.File("k.db"), "select * from keyed order by region, id"));
        Assert.Contains("PRIMARY KEY (\"region\", \"id\")", ProcessRunner.Run("sqlite3", temp.File("k.db"), ".schema keyed"), StringComparison.Ordinal);
        Assert.Equal("eu 1 A|eu 2 c|us 1 b|us 2 new", await server.ScalarAsync($"SELECT string_agg(concat_ws(' ', region, id, v), '|' ORDER BY region, id) FROM {table}"));
        Assert.Equal(2L, await server.ScalarAsync($"SELECT count(*) FROM information_schema.key_column_usage WHERE table_name = '{table}'"));
    }
}
