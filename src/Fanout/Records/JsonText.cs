using System.Text.Encodings.Web;
using System.Text.Json;

namespace Fanout.Records;

/// <summary>How fanout writes JSON people read: non-ASCII text as it is (names, messages), escaping only what JSON requires.</summary>
public static class JsonText
{
    /// <summary>Writer options for readable JSON; add <c>Indented</c> or <c>SkipValidation</c> with <c>with</c>.</summary>
    public static readonly JsonWriterOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
