using Fanout.Database;
using Fanout.Database.Parsing;
using Xunit;

namespace Fanout.Tests.Database;

public sealed class RecordParserTests
{
    private static string Describe(InsertRow row) => row.Error is { } error
        ? "error: " + error
        : string.Join(", ", Enumerable.Range(0, row.FieldCount).Select(f => $"{row.FieldName(f)}={row.FieldValue(f).Kind}:{row.FieldValue(f)}"));

    [Fact]
    public void Flat_records_and_records_needing_the_full_reader_parse_alike()
    {
        // The first of each pair takes the fast path; the second has an escape, which sends it to Utf8JsonReader.
        string[] lines =
        [
            """ { "a" : 0 , "b":-12,"c":1.5e3 ,"d":12345678901234567890,"e":"ü ✓","f":true,"g":false,"h":null,"i":"" } """,
            """{"a":0,"b":-12,"c":1.5e3,"d":12345678901234567890,"e":"\u00fc ✓","f":true,"g":false,"h":null,"i":""}""",
            """{}""",
            """{"n":{"x":[1,{"y":2}]},"m":[]}""",
            """{"k":1,"k":2}""",
        ];
        var block = RecordParser.ParseJson("in", string.Join('\n', lines));

        Assert.Equal(Describe(block[0]), Describe(block[1]));
        Assert.Equal("a=Integer:0, b=Integer:-12, c=Real:1500, d=Text:12345678901234567890, e=Text:ü ✓, f=Boolean:true, g=Boolean:false, h=Null:null, i=Text:", Describe(block[0]));
        Assert.Equal(string.Empty, Describe(block[2]));
        Assert.Equal("n=Json:{\"x\":[1,{\"y\":2}]}, m=Json:[]", Describe(block[3]));
        Assert.Equal("k=Integer:1, k=Integer:2", Describe(block[4]));
    }

    [Theory]
    [InlineData("""{"a":01}""")]
    [InlineData("""{"a":1.}""")]
    [InlineData("""{"a":-}""")]
    [InlineData("""{"a":tru}""")]
    [InlineData("""{"a":1,}""")]
    [InlineData("""{"a" 1}""")]
    [InlineData("""{"a":"tab	inside"}""")]
    [InlineData("""{"a":1} x""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"a":1e999}""")]
    public void Invalid_records_are_errors_not_values(string line)
    {
        var row = RecordParser.ParseJson("in", line)[0];

        Assert.NotNull(row.Error);
        Assert.Equal(0, row.FieldCount);
    }

    [Fact]
    public void A_compacted_block_gives_back_its_lists_and_reads_the_same_records_again()
    {
        var text = "{\"x\":1,\"y\":\"one\"}\nnot json\n{\"x\":2.5,\"y\":\"t\\u00e9\\n\"}\n"u8.ToArray();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(text.Length);
        text.CopyTo(buffer, 0);
        var block = RecordParser.ParseJson(new Fanout.Records.TextChunk("in.jsonl", 7, buffer, text.Length, 3) { PooledBuffer = true });
        var before = Enumerable.Range(0, block.Count).Select(i => $"{block[i].Location} {Describe(block[i])} {block[i].Text}").ToList();

        // A second holder (a batch) keeps the block from being compacted under it.
        block.Hold();
        Assert.False(block.TryCompact());
        block.Release();
        Assert.True(block.TryCompact());
        Assert.False(block.TryCompact());

        // The lists went back: the next block takes them, and the compacted one still reads the same.
        var other = RecordParser.ParseJson("other", "{\"z\":true}");
        Assert.Equal(before, Enumerable.Range(0, block.Count).Select(i => $"{block[i].Location} {Describe(block[i])} {block[i].Text}"));
        Assert.Equal(["in.jsonl:7", "in.jsonl:8", "in.jsonl:9"], Enumerable.Range(0, block.Count).Select(i => block[i].Location));
        Assert.Equal("z=Boolean:true", Describe(other[0]));
        block.Release();
        Assert.Throws<ObjectDisposedException>(() => block.Count);
    }

    [Fact]
    public void A_released_block_cannot_be_read_and_its_storage_serves_later_blocks_intact()
    {
        var first = RecordParser.ParseJson("a", "{\"x\":1,\"y\":\"one\"}\n{\"x\":2,\"y\":\"two\"}");
        var batch = new RowChunk();
        batch.Add(first[1]);
        first.Release();

        // The batch still holds the block: its row stays readable.
        Assert.Equal("x=Integer:2, y=Text:two", Describe(batch[0]));
        batch.Release();

        Assert.Throws<ObjectDisposedException>(() => first.Count);
        Assert.Throws<ObjectDisposedException>(() => Describe(first[0]));
        Assert.Throws<ObjectDisposedException>(first.Hold);
        Assert.Throws<InvalidOperationException>(first.Release);

        // Later blocks take the recycled lists and see none of the old records.
        for (var i = 0; i < 20; i++)
        {
            var later = RecordParser.ParseJson("b", $"{{\"z\":{i}}}");
            Assert.Equal(1, later.Count);
            Assert.Equal($"z=Integer:{i}", Describe(later[0]));
            later.Release();
        }
    }
}
