using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace Fanout.Files;

/// <summary>
/// Finds the lines matching a regex in a UTF-8 byte stream fed in chunks: complete lines are decoded
/// a block at a time and searched with one regex scan (no string per line), a partial last line is
/// carried into the next chunk. Counts matching lines as <c>grep -c</c> does and keeps the first few.
/// A pattern that is a plain case-sensitive literal (<c>ERROR</c>) is searched in the bytes directly,
/// about as fast as memory can be scanned; only the kept lines are decoded. Inverted (<c>-v</c>), it finds the lines
/// that do not match, as <c>grep -v</c>; with context (<c>-B</c>, <c>-A</c>) each kept line carries the lines around it.
/// Those two go a line at a time.
/// </summary>
internal sealed class LineGrep(Regex regex, int maxMatches, bool invert = false, int before = 0, int after = 0)
{
    private const string RegexSyntax = "\\*+?|{[()^$.";
    private readonly byte[]? _literal = LiteralOf(regex);
    private readonly List<FileMatch> _matches = [];
    private byte[] _carry = [];
    private int _carryLength;
    private long _linesBefore;

    /// <summary>The last <c>before</c> lines seen, for the next kept match.</summary>
    private readonly Queue<string> _window = new();

    /// <summary>Kept matches still gathering their <c>after</c> lines: index in <see cref="_matches"/>, lines so far.</summary>
    private readonly List<(int Index, List<string> Lines)> _open = [];

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

        foreach (var (index, lines) in _open)
        {
            _matches[index] = _matches[index] with { After = lines };
        }

        _open.Clear();
    }

    private void SearchLiteral(ReadOnlySpan<byte> block, ReadOnlySpan<byte> literal)
    {
        // Line numbers are only needed for the lines kept; once those are found, hits are just counted.
        var line = _linesBefore;
        var counted = 0;
        var position = 0;
        while (position < block.Length)
        {
            var hit = block[position..].IndexOf(literal);
            if (hit < 0)
            {
                break;
            }

            var index = position + hit;
            var lineLength = block[index..].IndexOf((byte)'\n');
            var lineEnd = lineLength < 0 ? block.Length : index + lineLength;
            MatchCount++;
            if (_matches.Count < maxMatches)
            {
                line += block[counted..index].Count((byte)'\n');
                counted = index;
                var lineStart = block[..index].LastIndexOf((byte)'\n') + 1;
                _matches.Add(new FileMatch(line + 1, Encoding.UTF8.GetString(block[lineStart..lineEnd]).TrimEnd('\r')));
            }

            // One count per line, however many times the literal occurs in it.
            position = lineEnd;
        }

        if (_matches.Count < maxMatches)
        {
            _linesBefore += block.Count((byte)'\n');
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

    private static byte[]? LiteralOf(Regex regex)
    {
        var pattern = regex.ToString();
        return pattern.Length > 0 && pattern.AsSpan().IndexOfAny(RegexSyntax) < 0 && !regex.Options.HasFlag(RegexOptions.IgnoreCase)
            ? Encoding.UTF8.GetBytes(pattern)
            : null;
    }

    private void SearchBlock(ReadOnlySpan<byte> block)
    {
        if (block.IsEmpty)
        {
            return;
        }

        if (invert || ((before > 0 || after > 0) && !ContextDone))
        {
            // With context, a line at a time until every kept match has its lines; then the fast paths count the rest.
            block = SearchLines(block);
            if (block.IsEmpty)
            {
                return;
            }
        }

        if (_literal is not null)
        {
            SearchLiteral(block, _literal);
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

    /// <summary>
    /// -v and context: each line (the block's complete lines, or the last one without its newline) on its own. A kept line
    /// takes the <c>before</c> lines before it and the <c>after</c> lines after it, whatever they are.
    /// </summary>
    private ReadOnlySpan<byte> SearchLines(ReadOnlySpan<byte> block)
    {
        var context = before > 0 || after > 0;
        while (!block.IsEmpty)
        {
            if (context && !invert && ContextDone)
            {
                return block;
            }

            var newline = block.IndexOf((byte)'\n');
            var line = newline < 0 ? block : block[..newline];
            block = newline < 0 ? [] : block[(newline + 1)..];
            _linesBefore++;
            string? text = null;
            var matched = (_literal is not null ? line.IndexOf(_literal) >= 0 : regex.IsMatch(text = Decode(line))) != invert;
            if (matched)
            {
                MatchCount++;
            }

            if (!context)
            {
                if (matched && _matches.Count < maxMatches)
                {
                    _matches.Add(new FileMatch(_linesBefore, text ?? Decode(line)));
                }

                continue;
            }

            text ??= Decode(line);
            for (var i = _open.Count - 1; i >= 0; i--)
            {
                var (index, lines) = _open[i];
                lines.Add(text);
                if (lines.Count == after)
                {
                    _matches[index] = _matches[index] with { After = lines };
                    _open.RemoveAt(i);
                }
            }

            if (matched && _matches.Count < maxMatches)
            {
                _matches.Add(new FileMatch(_linesBefore, text) { Before = before > 0 ? [.. _window] : null });
                if (after > 0)
                {
                    _open.Add((_matches.Count - 1, []));
                }
            }

            if (before > 0)
            {
                _window.Enqueue(text);
                if (_window.Count > before)
                {
                    _window.Dequeue();
                }
            }
        }

        return block;
    }

    /// <summary>Whether every match to keep is kept with all its context: later lines are only counted.</summary>
    private bool ContextDone => _matches.Count >= maxMatches && _open.Count == 0;

    private static string Decode(ReadOnlySpan<byte> line) => Encoding.UTF8.GetString(line).TrimEnd('\r');
}
