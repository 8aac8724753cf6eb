using System.Text;

namespace Fanout.Files;

/// <summary>
/// The text of a UTF-16 file as UTF-8, chunk by chunk (a character cut by a chunk's end is carried to the next), so
/// that line counts and <c>--grep</c> see the file's text and not its bytes.
/// </summary>
internal sealed class Utf16Text(bool bigEndian)
{
    private readonly Decoder _decoder = (bigEndian ? Encoding.BigEndianUnicode : Encoding.Unicode).GetDecoder();
    private char[] _chars = [];
    private byte[] _utf8 = [];

    /// <summary>The UTF-8 of the next bytes; <paramref name="flush"/> at the end, for what a cut left.</summary>
    public ReadOnlySpan<byte> Next(ReadOnlySpan<byte> bytes, bool flush = false)
    {
        var charCount = _decoder.GetCharCount(bytes, flush);
        if (_chars.Length < charCount)
        {
            _chars = new char[Math.Max(charCount, _chars.Length * 2)];
        }

        var chars = _chars.AsSpan(0, _decoder.GetChars(bytes, _chars, flush));
        var byteCount = Encoding.UTF8.GetByteCount(chars);
        if (_utf8.Length < byteCount)
        {
            _utf8 = new byte[Math.Max(byteCount, _utf8.Length * 2)];
        }

        return _utf8.AsSpan(0, Encoding.UTF8.GetBytes(chars, _utf8));
    }
}
