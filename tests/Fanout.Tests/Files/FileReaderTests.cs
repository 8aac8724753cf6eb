using System.Text;
using System.Text.RegularExpressions;
using Fanout.Engine;
using Fanout.Files;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Files;

public sealed class FileReaderTests
{
    private static async Task<FileReadResult> ReadAsync(string path, FileReadOptions? options = null)
    {
        var outcome = await new FileReader(options ?? new FileReadOptions()).HandleAsync(new FileReadItem(path, path), new AttemptContext(path, 0, 1), CancellationToken.None);
        Assert.Null(outcome.Error);
        return outcome.Value!;
    }

    // Contents are made in the test, not passed as theory data: xunit serializes data rows while
    // discovering tests, and a 10 MiB row made discovery take two minutes.
    private static byte[] Content(string name) => name switch
    {
        "empty.txt" => [],
        "no-trailing-newline.txt" => "one\ntwo"u8.ToArray(),
        "crlf.txt" => "a\r\nb\r\nc\r\n"u8.ToArray(),
        "ünïcødé ✓ name.txt" => "grüße\n"u8.ToArray(),
        _ => [.. Enumerable.Range(0, 10 << 20).Select(i => (byte)(i % 251 == 0 ? '\n' : 'a' + (i % 26)))],
    };

    [Theory]
    [InlineData("empty.txt")]
    [InlineData("no-trailing-newline.txt")]
    [InlineData("crlf.txt")]
    [InlineData("ünïcødé ✓ name.txt")]
    [InlineData("ten-mib.bin")]
    public async Task Read_bytes_lines_and_digests_equal_coreutils(string name)
    {
        var content = Content(name);
        using var temp = new TempDirectory();
        var path = temp.File(name);
        await File.WriteAllBytesAsync(path, content);

        var sha256 = await ReadAsync(path, new FileReadOptions { BufferSize = 64 * 1024 });
        var md5 = await ReadAsync(path, new FileReadOptions { Hash = FileHashAlgorithm.Md5 });
        var sha1 = await ReadAsync(path, new FileReadOptions { Hash = FileHashAlgorithm.Sha1 });

        Assert.Equal(ProcessRunner.Run("sha256sum", path).Split(' ')[0], sha256.Hash);
        Assert.Equal(ProcessRunner.Run("md5sum", path).Split(' ')[0], md5.Hash);
        Assert.Equal(ProcessRunner.Run("sha1sum", path).Split(' ')[0], sha1.Hash);
        Assert.Equal(long.Parse(ProcessRunner.Run("wc", "-l", path).Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture), sha256.Lines);
        Assert.Equal(content.Length, sha256.Bytes);
    }

    [Fact]
    public async Task Read_vanished_file_is_a_not_found_error()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("gone.txt", "x");
        File.Delete(path);

        var outcome = await new FileReader(new FileReadOptions()).HandleAsync(new FileReadItem(path, "gone.txt"), new AttemptContext("gone.txt", 0, 1), CancellationToken.None);

        Assert.Equal(FileReader.NotFoundKind, outcome.Error!.Kind);
    }

    [Theory]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'h', (byte)'i' }, "utf-8-bom")]
    [InlineData(new byte[] { 0xFF, 0xFE, (byte)'h', 0, (byte)'i', 0 }, "utf-16le-bom")]
    [InlineData(new byte[] { 0xFE, 0xFF, 0, (byte)'h', 0, (byte)'i' }, "utf-16be-bom")]
    [InlineData(new byte[] { (byte)'P', (byte)'K', 3, 4, 0, 0, 9 }, "binary")]
    [InlineData(new byte[] { (byte)'c', (byte)'a', (byte)'f', 0xE9 }, "unknown")]
    [InlineData(new byte[] { (byte)'c', (byte)'a', (byte)'f', 0xC3, 0xA9 }, "utf-8")]
    public async Task Read_detects_encoding(byte[] content, string expected)
    {
        using var temp = new TempDirectory();
        var path = temp.File("f");
        await File.WriteAllBytesAsync(path, content);

        Assert.Equal(expected, (await ReadAsync(path)).Encoding);
    }

    [Theory]
    [InlineData("ERROR", 13)]
    [InlineData("ERROR", 100)]
    [InlineData("ERROR", 65536)]
    [InlineData("ERR(OR)", 13)]
    [InlineData("ERR(OR)", 100)]
    [InlineData("ERR(OR)", 65536)]
    public async Task Read_grep_counts_lines_and_numbers_them_across_buffer_boundaries(string pattern, int bufferSize)
    {
        using var temp = new TempDirectory();
        var lines = Enumerable.Range(1, 200).Select(i => i % 7 == 0 ? $"line {i} ERROR twice ERROR" : $"line {i} fine");
        var path = temp.Write("app.log", string.Join("\r\n", lines));

        // A 13-byte buffer splits nearly every line across reads; 100 bytes hold a few lines; 64 KiB the whole file.
        var result = await ReadAsync(path, new FileReadOptions { Grep = new Regex(pattern, RegexOptions.Multiline), MaxMatches = 3, BufferSize = bufferSize });

        Assert.Equal(28, result.MatchCount);
        Assert.Equal(
            [new FileMatch(7, "line 7 ERROR twice ERROR"), new FileMatch(14, "line 14 ERROR twice ERROR"), new FileMatch(21, "line 21 ERROR twice ERROR")],
            result.Matches);
    }

    [Fact]
    public async Task Read_grep_anchors_apply_per_line()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("a.txt", "start here\nnot start\nstart again");

        var result = await ReadAsync(path, new FileReadOptions { Grep = new Regex("^start", RegexOptions.Multiline) });

        Assert.Equal(2, result.MatchCount);
        Assert.Equal([1L, 3L], result.Matches!.Select(m => m.LineNumber));
    }

    [Fact]
    public async Task Read_content_is_capped_and_flagged()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("big.txt", new string('x', 5000));
        var small = temp.Write("small.txt", "héllo");

        var capped = await ReadAsync(path, new FileReadOptions { IncludeContent = true, MaxContentBytes = 1000, BufferSize = 256 });
        var whole = await ReadAsync(small, new FileReadOptions { IncludeContent = true });

        Assert.Equal(new string('x', 1000), capped.Content);
        Assert.True(capped.ContentTruncated);
        Assert.Equal(5000, capped.Bytes);
        Assert.Equal("héllo", whole.Content);
        Assert.False(whole.ContentTruncated);
    }

    [Fact]
    public async Task Read_content_of_binary_file_is_left_out()
    {
        using var temp = new TempDirectory();
        var path = temp.File("b.bin");
        await File.WriteAllBytesAsync(path, [1, 0, 2, 0]);

        var result = await ReadAsync(path, new FileReadOptions { IncludeContent = true });

        Assert.Null(result.Content);
        Assert.Equal("binary", result.Encoding);
    }

    [Fact]
    public async Task Read_utf16_content_is_decoded()
    {
        using var temp = new TempDirectory();
        var path = temp.File("u16.txt");
        await File.WriteAllBytesAsync(path, [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("hi ✓")]);

        Assert.Equal("hi ✓", (await ReadAsync(path, new FileReadOptions { IncludeContent = true })).Content);
    }

    [Theory]
    [InlineData("ERROR", false, 2, 2)]
    [InlineData("ERR[O]R|FATAL", false, 1, 3)]
    [InlineData("ERROR", true, 0, 1)]
    [InlineData("FATAL", false, 3, 0)]
    public async Task Read_grep_context_carries_the_lines_around_each_kept_match(string pattern, bool invert, int before, int after)
    {
        using var temp = new TempDirectory();
        var lines = Enumerable.Range(1, 200).Select(i => i % 7 == 0 ? $"{i} ERROR here" : i % 31 == 0 ? $"{i} FATAL" : $"{i} fine").ToArray();
        var path = temp.Write("app.log", string.Join("\r\n", lines));
        var regex = new Regex(pattern);

        // Small buffers: lines and their context cross chunk boundaries.
        var result = await ReadAsync(path, new FileReadOptions { Grep = regex, InvertMatch = invert, ContextBefore = before, ContextAfter = after, MaxMatches = 1000, BufferSize = 64 });

        var expected = lines.Select((text, i) => (text, i)).Where(l => regex.IsMatch(l.text) != invert).ToList();
        Assert.Equal(expected.Count, result.MatchCount);
        Assert.Equal(expected.Count, result.Matches!.Count);

        // Keeping 3: once they have their context, the rest is counted on the fast paths, and still every line is.
        var three = await ReadAsync(path, new FileReadOptions { Grep = regex, InvertMatch = invert, ContextBefore = before, ContextAfter = after, MaxMatches = 3, BufferSize = 64 });
        Assert.Equal(expected.Count, three.MatchCount);
        Assert.Equal(result.Matches.Take(3), three.Matches!, (a, b) => a.LineNumber == b.LineNumber && a.Text == b.Text && (a.Before ?? []).SequenceEqual(b.Before ?? []) && (a.After ?? []).SequenceEqual(b.After ?? []));
        foreach (var (match, (text, i)) in result.Matches.Zip(expected))
        {
            Assert.Equal(i + 1, match.LineNumber);
            Assert.Equal(text, match.Text);
            Assert.Equal(before == 0 ? null : lines[Math.Max(0, i - before)..i], match.Before);
            Assert.Equal(after == 0 ? null : lines[(i + 1)..Math.Min(lines.Length, i + 1 + after)], match.After);
        }
    }
}
