using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Cli;

/// <summary>
/// Issue 14, "one consistent command line": what a new user hit in the first hour, one black-box test per finding, each
/// checking the rule for every job where the rule is about every job.
/// </summary>
public sealed partial class Issue14Tests(TestServer server) : IClassFixture<TestServer>
{
    /// <summary>Every job that takes input.</summary>
    private static readonly string[] JobNames = ["http", "download", "read", "test", "run", "insert"];

    public static TheoryData<string> Jobs => [.. JobNames];

    private static string[] Needs(string job, TempDirectory temp) => job switch
    {
        "download" => ["--dir", temp.File("downloads")],
        "insert" => ["--db", temp.File("app.db"), "--table", "t"],
        _ => [],
    };

    /// <summary>A small valid input for the job, written to the temp directory; its name.</summary>
    private string ValidInput(string job, TempDirectory temp)
    {
        switch (job)
        {
            case "http":
                return temp.Write("urls.txt", server.Url("/text") + "\n" + server.Url("/status/404") + "\n");
            case "download":
                return temp.Write("files.txt", server.Url("/files/100/a.bin") + "\n" + server.Url("/files/2000/b.bin") + "\n");
            case "read":
                // Enough bytes for a rate in MB/s that is not 0 at three decimals.
                temp.Write("data/a.txt", string.Concat(Enumerable.Repeat("one\ntwo\n", 50_000)));
                temp.Write("data/b.txt", "three\n");
                return temp.File("data");
            case "test":
            case "run":
                return temp.Write("commands.txt", "first\ttrue\nsecond\ttrue\n");
            default:
                return temp.Write("rows.jsonl", "{\"id\":1,\"name\":\"a\"}\n{\"id\":2,\"name\":\"b\"}\n");
        }
    }

    [Theory]
    [InlineData("-d", "@payload.json")]
    [InlineData("--data", "@payload.json")]
    [InlineData("-d@payload.json", null)]
    [InlineData("--data=@payload.json", null)]
    public async Task Issue14_Data_from_a_file_is_sent_as_its_exact_bytes(string option, string? value)
    {
        string[] data = value is null ? [option] : [option, value];
        using var temp = new TempDirectory();
        // What System.CommandLine's response files mangled: quotes dropped, words split at spaces.
        var json = Encoding.UTF8.GetBytes("{\"x\": 1, \"y\": \"a b\"}\n");
        File.WriteAllBytes(temp.File("payload.json"), json);
        temp.Write("urls.txt", server.Url("/echo-bytes") + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "-q", .. data]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var echoed = Assert.Single(run.JsonLines).GetProperty("body");
        Assert.Equal(json, Convert.FromBase64String(echoed.GetProperty("base64").GetString()!));
        Assert.StartsWith("application/json", echoed.GetProperty("content_type").GetString(), StringComparison.Ordinal);
        Assert.Equal("POST", Assert.Single(run.JsonLines).GetProperty("method").GetString());
    }

    [Fact]
    public async Task Issue14_Data_that_is_not_utf8_is_sent_byte_for_byte()
    {
        using var temp = new TempDirectory();
        byte[] bytes = [0xff, 0x00, 0xfe, 0x41, 0x0a, 0xc3];
        File.WriteAllBytes(temp.File("blob.bin"), bytes);
        temp.Write("urls.txt", server.Url("/echo-bytes") + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "-q", "-d", "@blob.bin"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var echoed = Assert.Single(run.JsonLines).GetProperty("body");
        Assert.Equal(bytes, Convert.FromBase64String(echoed.GetProperty("base64").GetString()!));
        Assert.Equal("application/octet-stream", echoed.GetProperty("content_type").GetString());
    }

    [Fact]
    public async Task Issue14_Plain_urls_without_data_are_get_requests_with_no_body()
    {
        using var temp = new TempDirectory();
        temp.Write("urls.txt", server.Url("/text") + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "-q"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("GET", Assert.Single(run.JsonLines).GetProperty("method").GetString());
    }

    [Theory]
    [InlineData("http", "--timout", "--timeout")]
    [InlineData("download", "--limit-rat", "--limit-rate")]
    [InlineData("read", "--gerp", "--grep")]
    [InlineData("test", "--retrys", "--retries")]
    [InlineData("run", "--concurency", "--concurrency")]
    [InlineData("insert", "--stat", "--stats")]
    [InlineData("insert", "--max-errors", "--max-failures")]
    public async Task Issue14_Unknown_option_is_a_usage_error_that_suggests_the_closest(string job, string wrong, string meant)
    {
        using var temp = new TempDirectory();
        var input = ValidInput(job, temp);

        var run = await FanoutCli.RunAsync(temp.Path, [job, input, .. Needs(job, temp), wrong, "5"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"unknown option '{wrong}' (did you mean {meant}?)", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Could not find file", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout);
    }

    [Fact]
    public async Task Issue14_Unknown_command_suggests_the_closest()
    {
        using var temp = new TempDirectory();

        var run = await FanoutCli.RunAsync(temp.Path, ["htp", "urls.txt"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("'htp' is not a command (did you mean http?)", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue14_A_file_named_like_an_option_is_read_after_double_dash()
    {
        using var temp = new TempDirectory();
        temp.Write("-urls.txt", server.Url("/text") + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "-q", "--", "-urls.txt"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Single(run.JsonLines);
    }

    [Theory]
    [MemberData(nameof(Jobs))]
    public async Task Issue14_A_number_that_is_not_one_is_named_as_such(string job)
    {
        using var temp = new TempDirectory();
        var input = ValidInput(job, temp);

        var run = await FanoutCli.RunAsync(temp.Path, [job, input, .. Needs(job, temp), "-j", "abc"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--concurrency: must be a number of at least 1, 'auto' or 'auto:MAX' (got 'abc')", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Jobs))]
    public async Task Issue14_Wrong_arguments_never_give_a_stack_trace(string job)
    {
        using var temp = new TempDirectory();
        var input = ValidInput(job, temp);
        Directory.CreateDirectory(temp.File("a-directory"));
        temp.Write("existing.jsonl", "old\n");
        string[][] wrongs =
        [
            ["-o", temp.File("a-directory")],
            ["-o", temp.File("existing.jsonl/results.jsonl")],
            ["--stats", temp.File("a-directory")],
            ["-o", temp.File("existing.jsonl"), "--stats", temp.File("existing.jsonl/deeper/stats.json")],
            ["-j", "0"],
            ["-j", "-3"],
            ["--timeout", "-1s"],
            ["--retries", "-1"],
            ["--rate", "fast"],
            ["--shard", "0/0"],
            ["--format", "xml"],
            ["--max-failures", "0"],
            ["--progress", "sideways"],
            ["--no-such-option"],
        ];

        foreach (var wrong in wrongs)
        {
            var run = await FanoutCli.RunAsync(temp.Path, [job, input, .. Needs(job, temp), .. wrong]);

            var said = $"{job} {string.Join(' ', wrong)}: {run}";
            Assert.True(run.ExitCode is 1 or 2, said);
            Assert.DoesNotContain("Unhandled exception", run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotMatch(StackFrame(), run.Stderr);
            Assert.StartsWith("fanout: ", run.Stderr.TrimStart(), StringComparison.Ordinal);
        }

        // A directory or a missing file as the input is the same: one line, exit 2.
        foreach (var badInput in new[] { temp.File("a-directory") + "/", temp.File("missing.txt") })
        {
            var run = await FanoutCli.RunAsync(temp.Path, [job, badInput, .. Needs(job, temp)]);
            Assert.True(run.ExitCode == 2, $"{job} {badInput}: {run}");
            Assert.DoesNotMatch(StackFrame(), run.Stderr);
        }
    }

    [Fact]
    public async Task Issue14_Output_is_the_results_file_in_download_too_and_the_directory_is_dir()
    {
        using var temp = new TempDirectory();
        temp.Write("files.txt", server.Url("/files/100/a.bin") + "\n");
        temp.Write("results.jsonl", "from an earlier run\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["download", "files.txt", "-o", "results.jsonl", "--dir", "got", "-q"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(string.Empty, run.Stdout);
        var record = TestServer.ParseJson(Assert.Single(File.ReadAllLines(temp.File("results.jsonl"))));
        Assert.Equal(Path.Combine("got", "a.bin"), record.GetProperty("path").GetString());
        Assert.Equal(TestServer.Content(100), File.ReadAllBytes(temp.File("got/a.bin")));

        // The long name users of wget and aria2c know.
        var again = await FanoutCli.RunAsync(temp.Path, ["download", "files.txt", "--output-dir", "other", "-q"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.True(File.Exists(temp.File("other/a.bin")));
    }

    [Fact]
    public async Task Issue14_Links_that_select_nothing_say_which_path_matched_nothing_and_what_is_there()
    {
        using var temp = new TempDirectory();

        var typo = await FanoutCli.RunAsync(temp.Path, ["download", "--from-json", server.Url("/gallery"), "--links", "data[].lnk", "--dir", "d"]);
        var where = await FanoutCli.RunAsync(temp.Path, ["download", "--from-json", server.Url("/gallery"), "--links", "data[].link", "--where", "kind=image", "--dir", "d"]);

        Assert.True(typo.ExitCode == 2, typo.ToString());
        Assert.Contains("'data[].lnk' selects nothing: no field 'lnk' under 'data[]'", typo.Stderr, StringComparison.Ordinal);
        Assert.Contains("the fields there are id, type, nsfw, link", typo.Stderr, StringComparison.Ordinal);
        Assert.True(where.ExitCode == 2, where.ToString());
        Assert.Contains("finds 4 links, but no link meets the condition 'kind=image'", where.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.File("d")) && Directory.EnumerateFileSystemEntries(temp.File("d")).Any());
    }

    [Theory]
    [MemberData(nameof(Jobs))]
    public async Task Issue14_Stats_is_one_snake_case_schema_with_no_duplicate_keys(string job)
    {
        using var temp = new TempDirectory();
        var input = ValidInput(job, temp);

        var run = await FanoutCli.RunAsync(temp.Path, [job, input, .. Needs(job, temp), "-q", "-o", "records.jsonl", "--stats", "stats.json", "--retries", "0"]);

        Assert.True(run.ExitCode is 0 or 1, run.ToString());
        var bytes = File.ReadAllBytes(temp.File("stats.json"));
        var names = new List<string>();
        AssertNoDuplicateKeys(bytes, names);
        Assert.All(names, name => Assert.Matches(SnakeCase(), name));
        var stats = JsonDocument.Parse(bytes).RootElement;
        Assert.Equal(1, stats.GetProperty("schema").GetInt32());
        Assert.Equal(job, stats.GetProperty("job").GetString());
        foreach (var key in new[] { "concurrency", "completed", "succeeded", "skipped", "failed", "cancelled", "not_started", "invalid_inputs", "retried", "attempts", "wall_ms", "items_per_s" })
        {
            Assert.Equal(JsonValueKind.Number, stats.GetProperty(key).ValueKind);
        }

        Assert.Equal(JsonValueKind.Object, stats.GetProperty("errors_by_kind").ValueKind);
        if (job is "download" or "read")
        {
            var data = stats.GetProperty("data");
            Assert.True(data.GetProperty("bytes").GetInt64() > 0);
            Assert.True(data.GetProperty("mb_per_s").GetDouble() > 0, "a rate of bytes is not rounded to an integer 0");
        }

        if (job == "http")
        {
            Assert.Equal(1, stats.GetProperty("failed").GetInt32());
            Assert.Equal(JsonValueKind.Number, stats.GetProperty("latency_ms").GetProperty("p99_9").ValueKind);
        }
    }

    [Fact]
    public async Task Issue14_Grep_finds_text_in_utf16_and_bom_files_without_the_bom()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.File("utf16.txt"), [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("hello\nan ERROR here\n")]);
        File.WriteAllBytes(temp.File("utf16be.txt"), [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes("ERROR first\nfine\n")]);
        File.WriteAllBytes(temp.File("bom.txt"), [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes("ERROR at the start\n")]);

        var run = await FanoutCli.RunAsync(temp.Path, ["read", "utf16.txt", "utf16be.txt", "bom.txt", "--grep", "ERROR", "-q", "--ordered"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var matches = run.JsonLines.Select(r => (r.GetProperty("path").GetString(), r.GetProperty("matches")[0].GetProperty("line").GetInt32(), r.GetProperty("matches")[0].GetProperty("text").GetString())).ToList();
        Assert.Equal([("utf16.txt", 2, "an ERROR here"), ("utf16be.txt", 1, "ERROR first"), ("bom.txt", 1, "ERROR at the start")], matches);
        Assert.All(run.JsonLines, r => Assert.Equal(r.GetProperty("lines").GetInt32(), r.GetProperty("path").GetString() == "bom.txt" ? 1 : 2));
    }

    [Fact]
    public async Task Issue14_Limit_rate_zero_is_unlimited_and_a_negative_one_is_refused()
    {
        using var temp = new TempDirectory();
        // At the old reading of 0 (a rate of almost nothing) this megabyte took hours; the run's own limit is 60 s.
        temp.Write("files.txt", server.Url("/files/1000000/big.bin") + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["download", "files.txt", "--dir", "d", "--limit-rate", "0", "-q"]);
        var negative = await FanoutCli.RunAsync(temp.Path, ["download", "files.txt", "--dir", "d", "--limit-rate", "-5K", "-q"]);
        var help = await FanoutCli.RunAsync(temp.Path, ["download", "--help"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1_000_000, new FileInfo(temp.File("d/big.bin")).Length);
        Assert.True(negative.ExitCode == 2, negative.ToString());
        Assert.Contains("--limit-rate", negative.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"--limit-rate <SIZE>\s+[^\n]*0 for none", help.Stdout);
    }

    [Theory]
    [InlineData("mysql://root@127.0.0.1/app")]
    [InlineData("postgress://postgres@127.0.0.1/app")]
    [InlineData("http://127.0.0.1/app")]
    public async Task Issue14_Insert_names_the_databases_it_takes_for_an_unknown_scheme(string db)
    {
        using var temp = new TempDirectory();
        temp.Write("rows.jsonl", "{\"id\":1}\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", db, "--table", "t"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"'{db}' is not a database fanout can load into", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("postgres://", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("SQLite", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("SQLite Error", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad name; drop")]
    [InlineData("t\"x")]
    [InlineData("1table")]
    [InlineData("a.b.c")]
    public async Task Issue14_Insert_refuses_table_names_that_need_quoting(string table)
    {
        using var temp = new TempDirectory();
        temp.Write("rows.jsonl", "{\"id\":1}\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "app.db", "--table", table]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("is not a name fanout takes: letters, digits and _", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("app.db")), "nothing is created for a refused command line");
    }

    [Fact]
    public async Task Issue14_Help_of_every_job_names_values_and_has_the_shared_options()
    {
        using var temp = new TempDirectory();
        string[] shared = ["-j, --concurrency <N|auto>", "--retries <N>", "--timeout <DURATION>", "--rate <RATE>", "-o, --output <FILE>", "--format <jsonl|csv|table>", "--progress <auto|bar|plain|none>", "--max-failures <N>", "--fail-fast", "--shard <I/N>", "--ordered", "--stats <FILE>", "-q, --quiet"];
        var retries = new Dictionary<string, string>();

        foreach (var job in JobNames)
        {
            var run = await FanoutCli.RunAsync(temp.Path, [job, "--help"]);

            Assert.True(run.ExitCode == 0, run.ToString());
            foreach (var option in shared)
            {
                // Among the option's names (run adds -k and --keep-order to --ordered, as parallel calls it).
                Assert.Matches(new Regex($@"^  (\S+, )*{Regex.Escape(option)}[ ,]", RegexOptions.Multiline), run.Stdout);
            }

            // A placeholder names the value (<N>, <DIR>, <RATE>), never repeats the option's name as System.CommandLine
            // does by default (<per-host>, <output>).
            foreach (Match placeholder in Placeholder().Matches(run.Stdout))
            {
                var name = placeholder.Groups[1].Value;
                var value = placeholder.Groups[2].Value;
                Assert.False(string.Equals(name, value, StringComparison.Ordinal) || name.EndsWith("-" + value, StringComparison.Ordinal), $"{job}: --{name} <{value}>");
            }

            Assert.Matches(@"Usage:\s+fanout " + job + @" \[?<(FILE|PATH)>", run.Stdout);
            Assert.Contains("Examples:", run.Stdout, StringComparison.Ordinal);
            Assert.Contains("Exit codes:", run.Stdout, StringComparison.Ordinal);
            retries[job] = Regex.Match(run.Stdout, @"--retries <N>\s+([^\n]*)").Groups[1].Value;
        }

        // Help that only applies to HTTP is worded per job.
        Assert.Contains("429", retries["http"], StringComparison.Ordinal);
        Assert.All(["read", "test", "run", "insert"], job => Assert.DoesNotContain("429", retries[job], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Issue14_Top_level_help_is_the_commands_with_one_example_each()
    {
        using var temp = new TempDirectory();

        var run = await FanoutCli.RunAsync(temp.Path, ["--help"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Stdout.TrimEnd().Split('\n');
        Assert.InRange(lines.Length, 10, 30);
        foreach (var job in JobNames.Append("demo"))
        {
            // The command and its summary, then its first example.
            var at = Array.FindIndex(lines, l => Regex.IsMatch(l, $@"^  {job}\s{{2,}}\S"));
            Assert.True(at >= 0, job);
            Assert.StartsWith($"fanout {job}", lines[at + 1].TrimStart(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Examples:", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Jobs))]
    public async Task Issue14_Empty_input_is_a_usage_error_in_every_job(string job)
    {
        using var temp = new TempDirectory();
        var input = job == "read" ? temp.File("empty-dir") : temp.Write("empty.txt", "# only a comment\n\n");
        Directory.CreateDirectory(temp.File("empty-dir"));

        var fromFile = await FanoutCli.RunAsync(temp.Path, [job, input, .. Needs(job, temp)]);
        var fromStdin = await FanoutCli.RunAsync(temp.Path, [job, "-", .. Needs(job, temp)], stdin: job == "read" ? string.Empty : "\n");

        foreach (var run in new[] { fromFile, fromStdin })
        {
            Assert.True(run.ExitCode == 2, $"{job}: {run}");
            Assert.Matches(@"^fanout: no [a-zA-Z ]+ in the input$", run.Stderr.Trim());
            Assert.Equal(string.Empty, run.Stdout);
        }
    }

    [Fact]
    public async Task Issue14_Reading_stdin_from_a_terminal_says_so()
    {
        using var temp = new TempDirectory();

        var terminal = await FanoutCli.RunInTerminalAsync(temp.Path, ["http", "-q"], typed: server.Url("/text") + "\n\x04");
        var piped = await FanoutCli.RunAsync(temp.Path, ["http", "-q"], stdin: server.Url("/text") + "\n");

        Assert.True(terminal.ExitCode == 0, terminal.ToString());
        Assert.Contains("reading URLs or requests from stdin; Ctrl+D to end", terminal.Stdout, StringComparison.Ordinal);
        Assert.True(piped.ExitCode == 0, piped.ToString());
        Assert.DoesNotContain("Ctrl+D", piped.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue14_Test_prints_one_summary_and_counts_skipped_and_not_started_apart()
    {
        using var temp = new TempDirectory();
        using var fresh = new TempDirectory();
        var tests = "pass\ttrue\nfail\tfalse\nskip\texit 77\n" + string.Concat(Enumerable.Range(1, 20).Select(i => $"later{i}\ttrue\n"));
        temp.Write("tests.txt", tests);
        fresh.Write("tests.txt", tests);

        var all = await FanoutCli.RunAsync(temp.Path, ["test", "tests.txt", "-j", "2"]);

        // A directory with no past durations, so the plan is the input order.
        var failFast = await FanoutCli.RunAsync(fresh.Path, ["test", "tests.txt", "-j", "1", "--fail-fast"]);

        Assert.True(all.ExitCode == 1, all.ToString());
        Assert.Single(Regex.Matches(all.Stderr, "^Summary", RegexOptions.Multiline));
        Assert.Single(Regex.Matches(all.Stderr, @"\d+ passed", RegexOptions.Multiline));
        Assert.Contains("21 passed, 1 failed, 1 skipped", all.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("ok 2", all.Stderr, StringComparison.Ordinal);

        // In input order at -j 1: pass, then fail stops the run; the other 21 never started and are said so.
        Assert.True(failFast.ExitCode == 1, failFast.ToString());
        Assert.Single(Regex.Matches(failFast.Stderr, "^Summary", RegexOptions.Multiline));
        Assert.Contains("1 passed, 1 failed, 0 skipped, 21 not started", failFast.Stderr, StringComparison.Ordinal);
        Assert.Contains("Summary: 2 of 23 tests", failFast.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue14_Download_counts_already_complete_files_as_skipped()
    {
        using var temp = new TempDirectory();
        temp.Write("files.txt", server.Url("/files/300/x.bin") + "\n" + server.Url("/files/200/y.bin") + "\n");
        await FanoutCli.RunAsync(temp.Path, ["download", "files.txt", "--dir", "d", "-q", "-o", "first.jsonl"]);
        File.Delete(temp.File("d/y.bin"));

        var rerun = await FanoutCli.RunAsync(temp.Path, ["download", "files.txt", "--dir", "d", "-o", "second.jsonl", "--stats", "stats.json"]);

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Contains("ok 1, skipped 1, failed 0", rerun.Stderr, StringComparison.Ordinal);
        var stats = TestServer.ParseJson(File.ReadAllText(temp.File("stats.json")));
        Assert.Equal(1, stats.GetProperty("skipped").GetInt32());
        Assert.Equal(2, stats.GetProperty("succeeded").GetInt32());
    }

    [Fact]
    public async Task Issue14_Run_passes_each_commands_output_through_whole_like_parallel()
    {
        using var temp = new TempDirectory();
        // Each command prints three lines with pauses between them: unbuffered, they would interleave at -j 3.
        temp.Write("n.txt", "3\n1\n2\n");
        const string Command = "for i in a b c; do echo {}$i; sleep 0.0{}; done; echo err{} >&2";

        var grouped = await FanoutCli.RunAsync(temp.Path, ["run", "--cmd", Command, "n.txt", "-j", "3"]);
        var tagged = await FanoutCli.RunAsync(temp.Path, ["run", "--cmd", Command, "n.txt", "-j", "3", "--tag", "-k", "-q", "-o", "records.jsonl"]);

        Assert.True(grouped.ExitCode == 0, grouped.ToString());
        var blocks = grouped.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Chunk(3).Select(b => string.Join(",", b)).Order(StringComparer.Ordinal);
        Assert.Equal(["1a,1b,1c", "2a,2b,2c", "3a,3b,3c"], blocks);
        Assert.Contains("err1\n", grouped.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("{", grouped.Stdout, StringComparison.Ordinal);

        // --tag prefixes each line with its input; -k keeps input order; -q leaves the commands' output alone.
        Assert.True(tagged.ExitCode == 0, tagged.ToString());
        Assert.Equal("3\t3a\n3\t3b\n3\t3c\n1\t1a\n1\t1b\n1\t1c\n2\t2a\n2\t2b\n2\t2c\n", tagged.Stdout);
        Assert.Equal("3\terr3\n1\terr1\n2\terr2\n", tagged.Stderr);
        Assert.Equal(3, File.ReadAllLines(temp.File("records.jsonl")).Length);
    }

    [Fact]
    public async Task Issue14_Summary_shows_only_figures_that_mean_something()
    {
        using var temp = new TempDirectory();
        temp.Write("data/a.txt", "x\n");
        temp.Write("data/b.txt", "y\n");
        temp.Write("one.txt", server.Url("/text") + "\n");
        temp.Write("many.txt", string.Concat(Enumerable.Range(0, 25).Select(i => server.Url($"/text?i={i}") + "\n")));

        var read = await FanoutCli.RunAsync(temp.Path, ["read", "data", "-o", "r.jsonl"]);
        var rated = await FanoutCli.RunAsync(temp.Path, ["http", "many.txt", "--rate", "200/s", "-o", "r.jsonl"]);
        var one = await FanoutCli.RunAsync(temp.Path, ["http", "one.txt", "-o", "r.jsonl"]);
        var many = await FanoutCli.RunAsync(temp.Path, ["http", "many.txt", "-o", "r.jsonl"]);

        Assert.DoesNotContain("speedup", read.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("speedup", rated.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("speedup", one.Stderr, StringComparison.Ordinal);
        Assert.Contains("speedup", many.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("■", one.Stderr, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\[\s+1\]", one.Stderr);
        Assert.Contains("■", many.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue14_Progress_at_80_columns_stays_on_one_line()
    {
        using var temp = new TempDirectory();
        temp.Write("tests.txt", string.Concat(Enumerable.Range(1, 40).Select(i => $"a-test-with-a-long-name-{i}\tsleep 0.05\n")));

        var run = await FanoutCli.RunInTerminalAsync(temp.Path, ["test", "tests.txt", "-j", "4", "--progress", "bar"], columns: 80);

        Assert.True(run.ExitCode == 0, run.ToString());
        var screen = AnsiEscape().Replace(run.Stdout, string.Empty).Replace("\r", "\n", StringComparison.Ordinal).Split('\n');
        var statusLines = screen.Where(l => l.Contains("done", StringComparison.Ordinal) && !l.StartsWith("Summary", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(statusLines);
        Assert.All(statusLines, l =>
        {
            Assert.InRange(l.TrimEnd().Length, 1, 79);
            Assert.Matches(@"\d+% \S+ left$", l.TrimEnd());
        });
        Assert.DoesNotContain(screen, l => Regex.IsMatch(l.Trim(), @"^(\d+|%|\d+%)$"));
    }

    [Fact]
    public async Task Issue14_Table_to_a_pipe_keeps_its_columns_aligned()
    {
        using var temp = new TempDirectory();
        temp.Write("urls.txt", server.Url("/text") + "\n" + server.Url("/status/404") + "\n" + server.Url("/json?a-much-longer-query-string=1") + "\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["http", "urls.txt", "--format", "table", "-q", "--retries", "0"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        var lines = run.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);
        // Every column starts at the same place on every line: where the header has a name after two spaces.
        var starts = Regex.Matches(lines[0], @"(?<=  )\S").Select(m => m.Index).ToList();
        Assert.True(starts.Count >= 5, lines[0]);
        Assert.All(lines.Skip(1), line => Assert.All(starts.Where(s => s < line.Length), s => Assert.True(line[s - 1] == ' ', $"{lines[0]}\n{line}\n{new string(' ', s)}^")));
        Assert.All(lines, line => Assert.False(line.EndsWith(' '), line));
    }

    [Fact]
    public async Task Issue14_Interrupted_download_counts_the_bytes_in_flight()
    {
        using var temp = new TempDirectory();
        // Sends 100 of its 1000 bytes, then nothing: the bytes sit in the .part file when the run is stopped.
        temp.Write("files.txt", server.Url("/stall") + " stalled.bin\n");

        using var process = FanoutCli.Start(temp.Path, ["download", "files.txt", "--dir", "d", "--stats", "stats.json", "-o", "r.jsonl", "--retries", "0"]);
        var stderr = process.StandardError.ReadToEndAsync();
        await Eventually.TrueAsync(() => Directory.Exists(temp.File("d/.fanout/downloads/parts")) && Directory.GetFiles(temp.File("d/.fanout/downloads/parts"), "*.part").Length == 1, "the part file", TimeSpan.FromSeconds(20));

        // The 100 bytes follow the headers at once; they may sit in the file's buffer, but they have been received.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        for (var i = 0; i < 2; i++)
        {
            // The first Ctrl+C waits for what is in flight, the second stops it.
            using var kill = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            await Task.Delay(TimeSpan.FromMilliseconds(300));
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(limit.Token);

        Assert.Equal(130, process.ExitCode);
        Assert.Contains("100 B", await stderr, StringComparison.Ordinal);
        var stats = TestServer.ParseJson(File.ReadAllText(temp.File("stats.json")));
        Assert.Equal(100, stats.GetProperty("data").GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Issue14_Insert_rerun_without_upsert_says_every_key_exists_and_why_rows_were_rejected()
    {
        using var temp = new TempDirectory();
        temp.Write("rows.jsonl", string.Concat(Enumerable.Range(1, 20_000).Select(i => $"{{\"id\":{i},\"name\":\"n{i}\"}}\n")) + "{\"id\":\"x\",\"name\":1}\n");
        var load = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "app.db", "--table", "t", "--pk", "id", "-q", "-o", "r.jsonl"]);

        var rerun = await FanoutCli.RunAsync(temp.Path, ["insert", "rows.jsonl", "--db", "app.db", "--table", "t", "--pk", "id", "-o", "r.jsonl", "--rejects", "rejects.jsonl", "--stats", "stats.json"]);

        Assert.True(load.ExitCode == 1, load.ToString());
        Assert.True(rerun.ExitCode == 1, rerun.ToString());
        Assert.Contains("rejected 20001", rerun.Stderr, StringComparison.Ordinal);
        Assert.Contains("Rejects by reason:", rerun.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"\s20000\s+duplicate key", rerun.Stderr);
        Assert.Matches(@"\s1\s+wrong type in field ""id""", rerun.Stderr);
        Assert.Contains("--upsert", rerun.Stderr, StringComparison.Ordinal);
        var kinds = File.ReadLines(temp.File("rejects.jsonl")).Select(l => TestServer.ParseJson(l).GetProperty("kind").GetString()!).CountBy(k => k).ToDictionary();
        Assert.Equal(20_000, kinds["duplicate key"]);
        var byKind = TestServer.ParseJson(File.ReadAllText(temp.File("stats.json"))).GetProperty("rejects_by_kind");
        Assert.Equal(("duplicate key", 20_000), (byKind[0].GetProperty("kind").GetString(), byKind[0].GetProperty("count").GetInt32()));
    }

    [Fact]
    public async Task Issue14_Read_of_a_missing_path_is_a_usage_error()
    {
        using var temp = new TempDirectory();
        temp.Write("real.txt", "x\n");

        var run = await FanoutCli.RunAsync(temp.Path, ["read", "real.txt", "nosuchdir", "no*such*glob/**"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("fanout: nosuchdir: no such file or directory", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout);
    }

    [Theory]
    [InlineData("test")]
    [InlineData("run")]
    [InlineData("http")]
    public async Task Issue14_A_directory_as_input_is_said_to_be_one(string job)
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.File("suite"));

        var run = await FanoutCli.RunAsync(temp.Path, [job, "suite/"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("suite/: is a directory, not a file of input lines", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("denied", run.Stderr, StringComparison.Ordinal);
    }

    private static void AssertNoDuplicateKeys(byte[] json, List<string> names)
    {
        var reader = new Utf8JsonReader(json);
        var scopes = new Stack<HashSet<string>>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    scopes.Push([]);
                    break;
                case JsonTokenType.EndObject:
                    scopes.Pop();
                    break;
                case JsonTokenType.PropertyName:
                    var name = reader.GetString()!;
                    Assert.True(scopes.Peek().Add(name), $"key '{name}' twice in one object");
                    names.Add(name);
                    break;
            }
        }
    }

    [GeneratedRegex(@"^[a-z0-9]+(_[a-z0-9]+)*$")]
    private static partial Regex SnakeCase();

    [GeneratedRegex(@"--([a-z-]+) <([^>]+)>")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\s+at [\w.<>`]+\(", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    [GeneratedRegex(@"\x1b(\[[0-9;?]*[A-Za-z]|[=>]|\][^\x07]*\x07)")]
    private static partial Regex AnsiEscape();
}
