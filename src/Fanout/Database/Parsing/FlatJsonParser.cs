using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Fanout.Database.Parsing;

/// <summary>
/// The fast path for the common record: one flat JSON object whose strings have no escapes. It reads
/// names and values in one pass over the bytes, about twice as fast as <see cref="System.Text.Json.Utf8JsonReader"/>
/// with its token state. Anything else (nesting, escapes, control characters, any syntax error) makes
/// it give up, and the caller parses the line with the full reader, which also names the error.
/// </summary>
internal static class FlatJsonParser
{
    private static readonly SearchValues<byte> StringEnd = SearchValues.Create([(byte)'"', (byte)'\\', .. Enumerable.Range(0, 0x20).Select(b => (byte)b)]);

    /// <summary>Adds the line's fields to the current record, or returns <see langword="false"/> having added none.</summary>
    /// <remarks>The line must be valid UTF-8 (checked by the caller).</remarks>
    /// <param name="builder">The block being built.</param>
    /// <param name="bytes">The chunk.</param>
    /// <param name="start">The line's start.</param>
    /// <param name="length">Its length.</param>
    /// <param name="flatten">Nested objects become fields named <c>outer_inner</c> (<c>--flatten</c>); else a nested value gives up.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParse(RecordBlockBuilder builder, byte[] bytes, int start, int length, bool flatten = false)
    {
        var end = start + length;
        var at = SkipSpace(bytes, start, end);
        if (at >= end || bytes[at] != (byte)'{')
        {
            return false;
        }

        var mark = builder.FieldMark;
        byte[]? prefix = null;
        try
        {
            if (TryObject(builder, bytes, ref at, end, flatten, ref prefix, 0) && SkipSpace(bytes, at, end) == end)
            {
                return true;
            }
        }
        finally
        {
            if (prefix is not null)
            {
                ArrayPool<byte>.Shared.Return(prefix);
            }
        }

        builder.RewindFields(mark);
        return false;
    }

    /// <summary>The object at <paramref name="at"/> (its '{'); its fields named after <paramref name="prefix"/>'s first bytes.</summary>
    private static bool TryObject(RecordBlockBuilder builder, byte[] bytes, ref int at, int end, bool flatten, ref byte[]? prefix, int prefixLength)
    {
        at = SkipSpace(bytes, at + 1, end);
        if (at < end && bytes[at] == (byte)'}')
        {
            at++;
            return true;
        }

        while (true)
        {
            if (!TryString(bytes, at, end, out var nameStart, out var nameLength))
            {
                return false;
            }

            at = SkipSpace(bytes, nameStart + nameLength + 1, end);
            if (at >= end || bytes[at] != (byte)':')
            {
                return false;
            }

            at = SkipSpace(bytes, at + 1, end);
            if (at >= end)
            {
                return false;
            }

            if (flatten && bytes[at] == (byte)'{')
            {
                // outer_inner: the prefix grows by this name and '_' for the object's fields.
                var inner = prefixLength + nameLength + 1;
                if (prefix is null || prefix.Length < inner)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Max(inner, 256));
                    prefix?.AsSpan(0, prefixLength).CopyTo(larger);
                    if (prefix is not null)
                    {
                        ArrayPool<byte>.Shared.Return(prefix);
                    }

                    prefix = larger;
                }

                bytes.AsSpan(nameStart, nameLength).CopyTo(prefix.AsSpan(prefixLength));
                prefix[inner - 1] = (byte)'_';
                if (!TryObject(builder, bytes, ref at, end, flatten, ref prefix, inner))
                {
                    return false;
                }
            }
            else
            {
                if (!TryValue(bytes, at, end, out var value, out at))
                {
                    return false;
                }

                builder.AddField(prefixLength == 0 ? builder.NameId(bytes.AsSpan(nameStart, nameLength)) : PrefixedName(builder, bytes, nameStart, nameLength, ref prefix, prefixLength), value);
            }

            at = SkipSpace(bytes, at, end);
            if (at < end && bytes[at] == (byte)',')
            {
                at = SkipSpace(bytes, at + 1, end);
                continue;
            }

            if (at < end && bytes[at] == (byte)'}')
            {
                at++;
                return true;
            }

            return false;
        }
    }

    private static int PrefixedName(RecordBlockBuilder builder, byte[] bytes, int nameStart, int nameLength, ref byte[]? prefix, int prefixLength)
    {
        var total = prefixLength + nameLength;
        if (prefix!.Length < total)
        {
            var larger = ArrayPool<byte>.Shared.Rent(total);
            prefix.AsSpan(0, prefixLength).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(prefix);
            prefix = larger;
        }

        bytes.AsSpan(nameStart, nameLength).CopyTo(prefix.AsSpan(prefixLength));
        return builder.NameId(prefix.AsSpan(0, total));
    }

    private static bool TryValue(byte[] bytes, int at, int end, out Cell value, out int next)
    {
        switch (bytes[at])
        {
            case (byte)'"':
                if (TryString(bytes, at, end, out var textStart, out var textLength))
                {
                    value = Cell.FromText(bytes, textStart, textLength);
                    next = textStart + textLength + 1;
                    return true;
                }

                break;
            case (byte)'t' when bytes.AsSpan(at, end - at).StartsWith("true"u8):
                (value, next) = (Cell.FromBoolean(true), at + 4);
                return true;
            case (byte)'f' when bytes.AsSpan(at, end - at).StartsWith("false"u8):
                (value, next) = (Cell.FromBoolean(false), at + 5);
                return true;
            case (byte)'n' when bytes.AsSpan(at, end - at).StartsWith("null"u8):
                (value, next) = (Cell.Null, at + 4);
                return true;
            case (byte)'-' or (>= (byte)'0' and <= (byte)'9'):
                return TryNumber(bytes, at, end, out value, out next);
        }

        (value, next) = (default, at);
        return false;
    }

    /// <summary>A string with no escapes and no control characters: its content's range (after the opening quote).</summary>
    private static bool TryString(byte[] bytes, int at, int end, out int contentStart, out int contentLength)
    {
        contentStart = at + 1;
        contentLength = 0;
        if (at >= end || bytes[at] != (byte)'"')
        {
            return false;
        }

        var stop = bytes.AsSpan(contentStart, end - contentStart).IndexOfAny(StringEnd);
        if (stop < 0 || bytes[contentStart + stop] != (byte)'"')
        {
            return false;
        }

        contentLength = stop;
        return true;
    }

    /// <summary>A number in JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?</summary>
    private static bool TryNumber(byte[] bytes, int at, int end, out Cell value, out int next)
    {
        var i = at;
        if (bytes[i] == (byte)'-')
        {
            i++;
        }

        var digits = Digits(bytes, i, end);
        if (digits == 0 || (digits > 1 && bytes[i] == (byte)'0'))
        {
            (value, next) = (default, at);
            return false;
        }

        i += digits;
        var integer = true;
        if (i < end && bytes[i] == (byte)'.')
        {
            var fraction = Digits(bytes, i + 1, end);
            if (fraction == 0)
            {
                (value, next) = (default, at);
                return false;
            }

            i += 1 + fraction;
            integer = false;
        }

        if (i < end && (bytes[i] | 0x20) == (byte)'e')
        {
            i++;
            if (i < end && bytes[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }

            var exponent = Digits(bytes, i, end);
            if (exponent == 0)
            {
                (value, next) = (default, at);
                return false;
            }

            i += exponent;
            integer = false;
        }

        var text = bytes.AsSpan(at, i - at);
        next = i;
        if (integer)
        {
            // An integer beyond 64 bits stays its digits (text): a double would round it, silently.
            value = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                ? Cell.FromInteger(l, bytes, at, i - at)
                : Cell.FromText(bytes, at, i - at);
            return true;
        }

        var real = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        value = Cell.FromReal(real, bytes, at, i - at);
        // Out of range (1e999): the full reader reports it.
        return double.IsFinite(real);
    }

    private static int Digits(byte[] bytes, int at, int end)
    {
        var i = at;
        while (i < end && (uint)(bytes[i] - '0') <= 9)
        {
            i++;
        }

        return i - at;
    }

    private static int SkipSpace(byte[] bytes, int at, int end)
    {
        while (at < end && bytes[at] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            at++;
        }

        return at;
    }
}
