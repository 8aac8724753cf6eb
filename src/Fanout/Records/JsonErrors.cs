using System.Text.Json;

namespace Fanout.Records;

/// <summary>JSON parse errors in the user's terms: what is wrong and at which column, without the parser's internals.</summary>
internal static class JsonErrors
{
    public static string Describe(JsonException exception)
    {
        var message = exception.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0)
        {
            message = message[..cut];
        }

        return exception.BytePositionInLine is { } column
            ? $"invalid JSON at column {column + 1}: {message}"
            : $"invalid JSON: {message}";
    }
}
