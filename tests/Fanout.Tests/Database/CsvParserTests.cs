using System.Text;
using Fanout.Database.Parsing;
using Fanout.Records;
using Fanout.Tests.Support;
using Xunit;

namespace Fanout.Tests.Database;

public sealed class CsvParserTests
{
    private static string Describe(InsertRow row) => row.Error is { } error
        ? $"{row.LineNumber} error: {error}"
        : $"{row.LineNumber} " + string.Join(", ", Enumerable.Range(0, row.FieldCount).Select(f => $"{row.FieldName(f)}={row.FieldValue(f).Kind}:{row.FieldValue(f)}"));

    private static TextChunk Chunk(string text, long firstLine = 1)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return new TextChunk("in.csv", firstLine, bytes, bytes.Length, bytes.AsSpan().Count((byte)'\n'));
    }

    /// <summary>Every record of a CSV file, read as a load reads it: chunks cut at record ends, the header from the first.</summary>
    private static async Task<List<string>> ParseFileAsync(string path, int chunkBytes)
    {
        var records = new List<string>();
        CsvHeader? header = null;
        await foreach (var chunk in InputReader.ReadChunksAsync([path], () => Stream.Null, chunkBytes, quotedLineBreaks: true))
        {
            var data = chunk;
            if (header is null)
            {
                header = CsvParser.ReadHeader(chunk, out data);
                if (header is null)
                {
                    continue;
                }
            }

            var block = RecordParser.ParseCsv(data, header);
            records.AddRange(Enumerable.Range(0, block.Count).Select(i => Describe(block[i]) + " | " + block[i].Text));
        }

        return records;
    }

    [Fact]
    public void Header_names_the_fields_and_values_are_typed_from_their_text()
    {
        var header = CsvParser.ReadHeader(Chunk("\n\r\nid,name,zip,score,ok,empty,big\r\n1,ann,00501,2.5,true,,1e3\n-7,\"Doe, Jane\",0,-0.5,FALSE,\"\",12345678901234567890\n"), out var rest);

        Assert.Equal(["id", "name", "zip", "score", "ok", "empty", "big"], header);
        var block = RecordParser.ParseCsv(rest, header!);
        Assert.Equal(
        [
            "4 id=Integer:1, name=Text:ann, zip=Text:00501, score=Real:2.5, ok=Boolean:true, empty=Null:null, big=Real:1000",
            "5 id=Integer:-7, name=Text:Doe, Jane, zip=Integer:0, score=Real:-0.5, ok=Boolean:false, empty=Null:null, big=Text:12345678901234567890",
        ], Enumerable.Range(0, block.Count).Select(i => Describe(block[i])));
    }

    [Fact]
    public void Quotes_are_undone_and_line_breaks_inside_them_belong_to_the_field()
    {
        var block = RecordParser.ParseCsv(Chunk("1,\"line one\r\nline two\",\"says \"\"hi\"\"\",\"a\"b\r\n\r\n2,x\"y,\"\",\n", 10), new CsvHeader(["id", "note", "quote", "tail"], (byte)','));

        Assert.Equal(
        [
            "10 id=Integer:1, note=Text:line one\nline two, quote=Text:says \"hi\", tail=Text:ab",
            "13 id=Integer:2, note=Text:x\"y, quote=Null:null, tail=Null:null",
        ], Enumerable.Range(0, block.Count).Select(i => Describe(block[i])));
        Assert.Equal("1,\"line one\r\nline two\",\"says \"\"hi\"\"\",\"a\"b", block[0].Text);
        Assert.Equal("in.csv:13", block[1].Location);
    }

    [Fact]
    public void Wrong_field_counts_and_an_unclosed_quote_are_record_errors()
    {
        var block = RecordParser.ParseCsv(Chunk("1,2,3\n4\n5,\"never closed\n6,7\n"), new CsvHeader(["a", "b"], (byte)','));

        Assert.Equal(
        [
            "1 error: 3 fields, the header has 2",
            "2 error: 1 fields, the header has 2",
            "3 error: a quoted field is not closed before the end of the input",
        ], Enumerable.Range(0, block.Count).Select(i => Describe(block[i])));
    }

    [Fact]
    public async Task Chunks_end_only_where_records_end_so_any_chunk_size_reads_the_same_records()
    {
        using var temp = new TempDirectory();
        var text = new StringBuilder("\n\nid,text,n\n");
        for (var i = 0; i < 400; i++)
        {
            // Quoted line breaks, doubled quotes and commas, CRLF and LF, records longer than the smallest chunk.
            var field = i % 5 == 0 ? $"\"multi\nline {i}\r\nwith \"\"quotes\"\", and commas\"" : i % 7 == 0 ? new string('é', i % 90) : $"plain {i}";
            text.Append(i).Append(',').Append(field).Append(',').Append(i * 0.5).Append(i % 3 == 0 ? "\r\n" : "\n");
        }

        var path = temp.Write("in.csv", text.ToString());
        var whole = await ParseFileAsync(path, 1 << 20);

        Assert.Equal(400, whole.Count);
        Assert.DoesNotContain(whole, r => r.Contains("error", StringComparison.Ordinal));
        foreach (var size in new[] { 16, 100, 1000 })
        {
            Assert.Equal(whole, await ParseFileAsync(path, size));
        }
    }

    [Fact]
    public void A_compacted_csv_block_reads_the_same_records_again()
    {
        var text = "1,\"a\"\"b\"\n2,\"x\ny\"\n"u8.ToArray();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(text.Length);
        text.CopyTo(buffer, 0);
        var block = RecordParser.ParseCsv(new TextChunk("in.csv", 2, buffer, text.Length, 3) { PooledBuffer = true }, new CsvHeader(["id", "v"], (byte)','));
        var before = Enumerable.Range(0, block.Count).Select(i => $"{block[i].Location} {Describe(block[i])} {block[i].Text}").ToList();

        Assert.True(block.TryCompact());
        Assert.Equal(before, Enumerable.Range(0, block.Count).Select(i => $"{block[i].Location} {Describe(block[i])} {block[i].Text}"));
        block.Release();
    }
}
