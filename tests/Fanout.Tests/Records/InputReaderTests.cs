using System.Text;
using Fanout.Records;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Records;

public sealed class InputReaderTests
{
    [Fact]
    public async Task ReadLinesAsync_skips_blanks_and_comments_and_keeps_line_numbers()
    {
        using var temp = new TempDirectory();
        var a = temp.Write("a.txt", "\uFEFFfirst\r\n\r\n  # comment\n  second  \n");
        var b = temp.Write("b.txt", "third");

        var lines = new List<InputLine>();
        await foreach (var line in InputReader.ReadLinesAsync([a, b], () => Stream.Null))
        {
            lines.Add(line);
        }

        Assert.Equal(
            [new InputLine(a, 1, "first"), new InputLine(a, 4, "second"), new InputLine(b, 1, "third")],
            lines);
    }

    [Fact]
    public async Task ReadLinesAsync_no_sources_reads_standard_input()
    {
        var lines = new List<InputLine>();
        await foreach (var line in InputReader.ReadLinesAsync([], () => new MemoryStream(Encoding.UTF8.GetBytes("x\ny\n"))))
        {
            lines.Add(line);
        }

        Assert.Equal([new InputLine("-", 1, "x"), new InputLine("-", 2, "y")], lines);
    }

    [Fact]
    public void FindUnreadable_names_missing_files_and_ignores_stdin()
    {
        using var temp = new TempDirectory();
        var ok = temp.Write("ok.txt", "x");

        var problems = InputReader.FindUnreadable([ok, "-", temp.File("missing.txt")]);

        Assert.Contains("missing.txt", Assert.Single(problems), StringComparison.Ordinal);
    }
}
