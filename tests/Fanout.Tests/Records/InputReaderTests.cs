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

    private static async Task<List<InputLine>> ChunkLinesAsync(IReadOnlyList<string> sources, Func<Stream> stdin, int chunkBytes)
    {
        var lines = new List<InputLine>();
        await foreach (var chunk in InputReader.ReadChunksAsync(sources, stdin, chunkBytes))
        {
            Assert.Equal(chunk.Span.Count((byte)'\n'), chunk.Newlines);
            chunk.ForEachLine(lines, (list, number, start, length) => list.Add(new InputLine(chunk.Source, number, Encoding.UTF8.GetString(chunk.Bytes, start, length))));
        }

        return lines;
    }

    [Fact]
    public async Task ReadChunksAsync_gives_the_same_lines_and_numbers_as_ReadLinesAsync_across_chunk_boundaries()
    {
        using var temp = new TempDirectory();
        var text = new StringBuilder("\uFEFF");
        for (var i = 0; i < 500; i++)
        {
            // Lines from empty to several times the chunk size, CRLF and LF, comments, unicode.
            text.Append(i % 7 == 0 ? "   " : i % 11 == 0 ? "# note" : $"{{\"i\":{i},\"s\":\"{new string('é', i % 97)}\"}}").Append(i % 3 == 0 ? "\r\n" : "\n");
        }

        var a = temp.Write("a.jsonl", text + "last without newline");
        var b = temp.Write("b.jsonl", "other\n");
        var expected = new List<InputLine>();
        await foreach (var line in InputReader.ReadLinesAsync([a, b], () => Stream.Null))
        {
            expected.Add(line);
        }

        // The lines as a plain reading of the files gives them: numbered from 1, blank and # lines left out.
        var plain = new[] { a, b }.SelectMany(path => File.ReadAllLines(path).Select((line, i) => new InputLine(path, i + 1, line.Trim().TrimStart('\uFEFF'))))
            .Where(line => line.Text.Length > 0 && !line.Text.StartsWith('#'));
        Assert.Equal(plain, expected);

        foreach (var size in new[] { 16, 100, 4096, 1 << 16 })
        {
            Assert.Equal(expected, await ChunkLinesAsync([a, b], () => Stream.Null, size));
        }
    }

    [Fact]
    public async Task ReadChunksAsync_reads_standard_input_and_refuses_utf16()
    {
        Assert.Equal([new InputLine("-", 1, "x"), new InputLine("-", 3, "y")], await ChunkLinesAsync([], () => new MemoryStream("x\n\ny"u8.ToArray()), 16));

        // A pipe that delivers a short first line: the byte order mark check happens once, at the start, not on later data.
        var trickle = new TrickleStream([.. "x\n"u8], [0xFF, 0xFE, (byte)'y', (byte)'\n']);
        Assert.Equal([new InputLine("-", 1, "x"), new InputLine("-", 2, "\uFFFD\uFFFDy")], await ChunkLinesAsync([], () => trickle, 16));

        var error = await Assert.ThrowsAsync<FormatException>(() => ChunkLinesAsync([], () => new MemoryStream(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("{}\n")).ToArray()), 16));
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Returns each given piece from its own read, as a pipe may.</summary>
    private sealed class TrickleStream(params byte[][] pieces) : Stream
    {
        private int _next;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_next == pieces.Length)
            {
                return 0;
            }

            var piece = pieces[_next++];
            piece.CopyTo(buffer, offset);
            return piece.Length;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
