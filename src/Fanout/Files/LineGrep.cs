using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace Fanout.Files;

/// <summary>
/// Finds the lines matching a regex in a UTF-8 byte stream fed in chunks: complete lines are decoded
/// a block at a time and searched with one regex scan (no string per line), a partial last line is
/// carried into the next chunk. Counts matching lines as <c>grep -c</c> does and keeps the first few.
/// </summary>
internal sealed class LineGrep(Regex regex, int maxMatches)
{
    private readonly List<FileMatch> _matches = [];
    private byte[] _carry = [];
    private int _carryLength;
    private long _linesBefore;

    public long MatchCount { get; private set; }

    public IReadOnlyList<FileMatch> Matches => _matches;

    public void Feed(ReadOnlySpan<byte> chunk)
    {
        var lastNewline = chunk.LastIndexOf((byte)'\n');
        if (lastNewline < 0)
        {
            Carry(chunk);
            return;
        }

        var complete = chunk[..(lastNewline + 1)];
        if (_carryLength > 0)
        {
            // The carried partial line ends at this chunk's first newline: search that line on its own.
            var firstNewline = complete.IndexOf((byte)'\n');
            Carry(complete[..(firstNewline + 1)]);
            SearchBlock(_carry.AsSpan(0, _carryLength));
            _carryLength = 0;
            complete = complete[(firstNewline + 1)..];
        }

        SearchBlock(complete);
        Carry(chunk[(lastNewline + 1)..]);
    }

    public void Finish()
    {
        if (_carryLength > 0)
        {
            SearchBlock(_carry.AsSpan(0, _carryLength));
            _carryLength = 0;
        }
    }

    private void Carry(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        if (_carry.Length < _carryLength + bytes.Length)
        {
            Array.Resize(ref _carry, Math.Max(_carryLength + bytes.Length, _carry.Length * 2));
        }

        bytes.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += bytes.Length;
    }

    private void SearchBlock(ReadOnlySpan<byte> block)
    {
        if (block.IsEmpty)
        {
            return;
        }

        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(block.Length));
        try
        {
            var text = chars.AsSpan(0, Encoding.UTF8.GetChars(block, chars));
            var scanned = 0;
            var line = _linesBefore;
            var lastMatchedLine = -1L;
            foreach (var match in regex.EnumerateMatches(text))
            {
                line += text[scanned..match.Index].Count('\n');
                scanned = match.Index;
                if (line == lastMatchedLine)
                {
                    continue;
                }

                lastMatchedLine = line;
                MatchCount++;
                if (_matches.Count < maxMatches)
                {
                    var start = text[..match.Index].LastIndexOf('\n') + 1;
                    var length = text[start..].IndexOf('\n');
                    var lineText = length < 0 ? text[start..] : text.Slice(start, length);
                    _matches.Add(new FileMatch(line + 1, lineText.TrimEnd('\r').ToString()));
                }
            }

            _linesBefore += text.Count('\n');
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
