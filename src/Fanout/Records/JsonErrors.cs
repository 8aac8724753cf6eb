using System.Text.Json;

namespace Fanout.Records;

/// <summary>JSON parse errors in the user's terms: what is wrong and at which column, without the parser's internals.</summary>
internal static class JsonErrors
{
    public static string Describe(JsonException exception)
    {
        var message = Message(exception);
        return exception.BytePositionInLine is { } column
            ? $"invalid JSON at column {column + 1}: {message}"
            : $"invalid JSON: {message}";
    }

    /// <summary>The parser's words without its position suffix (" LineNumber: 0 | BytePositionInLine: 5.").</summary>
    /// <param name="exception">The parse error.</param>
    /// <returns>What is wrong.</returns>
    public static string Message(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
