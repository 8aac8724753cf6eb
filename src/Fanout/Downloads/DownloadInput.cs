using Fanout.Records;
using Fanout.Web;

namespace Fanout.Downloads;

/// <summary>Input lines: <c>URL</c>, <c>URL NAME</c>, or JSONL <c>{"url","path","sha256","headers"}</c>.</summary>
internal static class DownloadInput
{
    public static DownloadItem Parse(InputLine line, Func<string, string?> environment)
    {
        try
        {
            return line.Text.StartsWith('{') ? ParseSpec(line, environment) : ParseUrlLine(line);
        }
        catch (FormatException ex)
        {
            throw new InputFormatException(line.Location, ex.Message);
        }
    }

    private static DownloadItem ParseUrlLine(InputLine line)
    {
        var split = line.Text.AsSpan().IndexOfAny(' ', '\t');
        var url = split < 0 ? line.Text : line.Text[..split];
        var name = split < 0 ? null : line.Text[(split + 1)..].Trim();
        return new DownloadItem(WebUrl.Parse(url)) { Name = string.IsNullOrEmpty(name) ? null : name, InputText = line.Text };
    }

    private static DownloadItem ParseSpec(InputLine line, Func<string, string?> environment)
    {
        using var document = JsonSpec.ParseObject(line.Text, "download");
        var root = document.RootElement;
        var url = JsonSpec.RequiredString(root, "url");
        var sha256 = JsonSpec.String(root, "sha256");
        if (sha256 is not null && (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigit)))
        {
            throw new FormatException($"\"sha256\" must be 64 hex digits (got '{sha256}')");
        }

        return new DownloadItem(WebUrl.Parse(url))
        {
            Name = JsonSpec.String(root, "path"),
            Sha256 = sha256,
            Headers = HeaderSpec.FromJson(root, environment),
            InputText = line.Text,
        };
    }
}
