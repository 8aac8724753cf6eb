using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Records;

public sealed class ResultFieldsTests(TestServer server) : IClassFixture<TestServer>
{
    private static readonly string[] Start = ["key", "ok"];
    private static readonly string[] End = ["attempts", "elapsed_ms", "queued_ms", "worker", "started_at", "ended_at", "error", "error_kind"];

    [Fact]
    public async Task Every_job_writes_the_common_fields_first_and_last_in_the_same_order()
    {
        using var temp = new TempDirectory();
        temp.Write("urls.txt", server.Url("/text") + "\n");
        temp.Write("files.txt", server.Url("/files/100/a.bin") + "\n");
        temp.Write("tests.txt", "t\ttrue\n");
        temp.Write("rows.jsonl", "{\"id\":1}\n");
        Directory.CreateDirectory(temp.File("data"));
        temp.Write("data/f.txt", "x\n");
        string[][] jobs =
        [
            ["http", "urls.txt"],
            ["download", "files.txt", "--dir", "out"],
            ["read", "data"],
            ["test", "tests.txt"],
            ["run", "tests.txt"],
            ["insert", "rows.jsonl", "--db", "app.db", "--table", "t"],
        ];

        foreach (var job in jobs)
        {
            // -o in every job: 'run' passes its commands' output to stdout and writes records only there.
            var run = await FanoutCli.RunAsync(temp.Path, [.. job, "-q", "-o", "records.jsonl"]);
            Assert.True(run.ExitCode == 0, $"{job[0]}: {run}");
            var record = TestServer.ParseJson(Assert.Single(File.ReadAllLines(temp.File("records.jsonl"))));
            var names = record.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(Start, names.Take(Start.Length));
            Assert.Equal(End, names.TakeLast(End.Length));
            Assert.True(record.GetProperty("ok").GetBoolean(), job[0]);
            Assert.InRange(record.GetProperty("worker").GetInt32(), 1, 64);
            var started = DateTimeOffset.Parse(record.GetProperty("started_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var ended = DateTimeOffset.Parse(record.GetProperty("ended_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(ended - started, TimeSpan.Zero, TimeSpan.FromSeconds(30));
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", record.GetProperty("ended_at").GetString()!);
        }
    }
}
