using System.Text;
using Fanout.Records;
using Xunit;

namespace Fanout.Tests.Records;

public sealed class RecordWriterTests
{
    private static async Task<string> WriteAsync(OutputFormat format, params (string Text, string? Json)[] rows)
    {
        var stream = new MemoryStream();
        var writer = RecordWriter.Create(format, stream, leaveOpen: true);
        foreach (var row in rows)
        {
            await writer.WriteAsync(row, static (r, f) =>
            {
                f.WriteString("text", r.Text);
                f.WriteNumber("n", 42L);
                f.WriteNumber("ms", 1.23456);
                f.WriteBoolean("ok", true);
                if (r.Json is { } json)
                {
                    f.WriteJson("body", json);
                }
                else
                {
                    f.WriteString("body", null);
                }
            });
        }

        await writer.DisposeAsync();
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Theory]
    [InlineData(OutputFormat.Jsonl, "{\"at\":\"2026-01-02T03:04:05.006Z\",\"local\":\"0999-12-31T23:59:59.999Z\"}\n")]
    [InlineData(OutputFormat.Csv, "at,local\n2026-01-02T03:04:05.006Z,0999-12-31T23:59:59.999Z\n")]
    public async Task Times_are_utc_iso_8601_with_milliseconds(OutputFormat format, string expected)
    {
        var stream = new MemoryStream();
        var writer = RecordWriter.Create(format, stream, leaveOpen: true);
        await writer.WriteAsync(0, static (_, f) =>
        {
            f.WriteTime("at", new DateTimeOffset(2026, 1, 2, 3, 4, 5, 6, TimeSpan.Zero).AddTicks(9_999));
            f.WriteTime("local", new DateTimeOffset(1000, 1, 1, 1, 59, 59, 999, TimeSpan.FromHours(2)));
        });
        await writer.DisposeAsync();

        Assert.Equal(expected, Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public async Task Jsonl_one_object_per_line_with_raw_json_embedded()
    {
        var text = await WriteAsync(OutputFormat.Jsonl, ("héllo \"q\"\nline", "{\"a\":[1]}"), ("x", null));

        Assert.Equal(
            "{\"text\":\"héllo \\\"q\\\"\\nline\",\"n\":42,\"ms\":1.235,\"ok\":true,\"body\":{\"a\":[1]}}\n{\"text\":\"x\",\"n\":42,\"ms\":1.235,\"ok\":true,\"body\":null}\n",
            text);
    }

    [Fact]
    public async Task Csv_quotes_commas_quotes_and_newlines()
    {
        var text = await WriteAsync(OutputFormat.Csv, ("a,b \"c\"\nd", "{\"a\":1}"));

        Assert.Equal("text,n,ms,ok,body\n\"a,b \"\"c\"\"\nd\",42,1.235,true,\"{\"\"a\"\":1}\"\n", text);
    }

    [Fact]
    public async Task Table_aligns_columns_and_keeps_rows_on_one_line()
    {
        var text = await WriteAsync(OutputFormat.Table, ("two\nlines", null));

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("text       n   ms     ok    body", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("two lines  42  1.235  true", lines[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OutputFormat.Jsonl)]
    [InlineData(OutputFormat.Csv)]
    [InlineData(OutputFormat.Table)]
    public async Task Dispose_closes_the_stream_unless_asked_to_leave_it_open(OutputFormat format)
    {
        var kept = new MemoryStream();
        var owned = new MemoryStream();

        await RecordWriter.Create(format, kept, leaveOpen: true).DisposeAsync();
        await RecordWriter.Create(format, owned).DisposeAsync();

        Assert.True(kept.CanWrite);
        Assert.False(owned.CanWrite);
    }
}
