using System.Globalization;

namespace Fanout.Records;

/// <summary>
/// What a piece of text from a text format holds (a CSV cell, a group a regex took from a log line): the one rule
/// for when text is a number or a boolean. Integers are an optional sign and ASCII digits within 64 bits; numbers
/// have a decimal point or an exponent and are finite; neither may start with a zero followed by a digit (007, -05:
/// ids and codes stay text, exactly); true and false in any case are booleans; anything else is text.
/// </summary>
internal static class TextValue
{
    /// <summary>What the text holds.</summary>
    public enum Kind
    {
        /// <summary>Text.</summary>
        Text,

        /// <summary>A 64-bit integer.</summary>
        Integer,

        /// <summary>A finite double.</summary>
        Real,

        /// <summary>true or false.</summary>
        Boolean,
    }

    /// <summary>Classifies <paramref name="text"/>; the value is in the matching out parameter.</summary>
    /// <param name="text">The text, not empty.</param>
    /// <param name="integer">The integer, for <see cref="Kind.Integer"/>.</param>
    /// <param name="real">The number, for <see cref="Kind.Real"/>.</param>
    /// <param name="boolean">The boolean, for <see cref="Kind.Boolean"/>.</param>
    /// <returns>The kind.</returns>
    public static Kind Classify(ReadOnlySpan<char> text, out long integer, out double real, out bool boolean)
    {
        (integer, real, boolean) = (0, 0, false);
        var digits = text.Length > 0 && text[0] is '-' or '+' ? text[1..] : text;
        var leadingZero = digits.Length > 1 && digits[0] == '0' && char.IsAsciiDigit(digits[1]);
        if (!leadingZero && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out integer))
        {
            return Kind.Integer;
        }

        // An integer beyond 64 bits is not a number here (a double would round it): it stays text, exactly.
        if (!leadingZero && text.IndexOfAny(".eE") >= 0
            && double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out real)
            && double.IsFinite(real))
        {
            return Kind.Real;
        }

        return bool.TryParse(text, out boolean) ? Kind.Boolean : Kind.Text;
    }
}
