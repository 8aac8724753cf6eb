using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fanout.Files;

namespace Fanout.Downloads;

/// <summary>
/// What fanout keeps beside the downloads, in <c>DIR/.fanout/downloads/</c> (a name no download can take: names never
/// start with a dot): the part files, each with what it was started from (URL, ETag, Last-Modified, length), and a
/// record of each file fanout completed (URL, bytes, sha256, validators). A rerun skips a file only when its record
/// says it came from the same URL and the server still has the same version; a name holding someone else's file, or
/// any file with no record, is taken by nobody else's download; a part is resumed only from the same URL and version.
/// </summary>
internal sealed class DownloadState(ContainedDirectory directory)
{
    /// <summary>Fanout's own directory under the download directory.</summary>
    public const string Home = ".fanout/downloads";

    /// <summary>What a part or a completed file came from.</summary>
    /// <param name="Url">The download's URL (its key).</param>
    /// <param name="Length">The resource's length, when the server said.</param>
    /// <param name="ETag">The server's entity tag for the version, when it gave one.</param>
    /// <param name="LastModified">The server's Last-Modified for the version, when it gave one.</param>
    /// <param name="Sha256">The file's sha256 (completed files).</param>
    public sealed record Origin(string Url, long? Length, string? ETag, DateTimeOffset? LastModified, string? Sha256 = null);

    /// <summary>Where the part of the download named <paramref name="name"/> is written, under the directory.</summary>
    public static string PartPath(string name) => $"{Home}/parts/{Key(name)}.part";

    /// <summary>What the part of <paramref name="name"/> was started from, or <see langword="null"/>.</summary>
    public Origin? ReadPart(string name) => Read($"{Home}/parts/{Key(name)}.json");

    public void WritePart(string name, Origin origin) => Write($"{Home}/parts/{Key(name)}.json", name, origin);

    /// <summary>Throws the part of <paramref name="name"/> away, with its record.</summary>
    public void DeletePart(string name)
    {
        directory.Delete(PartPath(name));
        directory.Delete($"{Home}/parts/{Key(name)}.json");
    }

    /// <summary>What the file named <paramref name="name"/> was downloaded from, when fanout completed it; else <see langword="null"/>.</summary>
    public Origin? ReadFile(string name) => Read($"{Home}/files/{Key(name)}.json");

    /// <summary>Records a completed file, before it takes its name (a crash in between leaves a record without a file, which a rerun downloads again).</summary>
    public void WriteFile(string name, Origin origin) => Write($"{Home}/files/{Key(name)}.json", name, origin);

    /// <summary>
    /// Whether <paramref name="name"/> may be used for a download of <paramref name="url"/>: nothing there, or what is
    /// there (a file, a part) was fanout's download of the same URL. With <paramref name="overwrite"/>, any regular file.
    /// </summary>
    public bool IsFreeFor(string name, string url, bool overwrite)
    {
        try
        {
            var entry = directory.Stat(name);
            if (entry.Type is Posix.EntryType.Directory or Posix.EntryType.Symlink or Posix.EntryType.Other)
            {
                return false;
            }

            var part = ReadPart(name);
            if (part is not null && part.Url != url && !overwrite)
            {
                return false;
            }

            return entry.Type == Posix.EntryType.Missing || overwrite || ReadFile(name)?.Url == url;
        }
        catch (IOException)
        {
            // The path cannot be looked at (a symbolic link on the way, say): the download of it fails with the reason.
            return true;
        }
    }

    /// <summary>A fixed-length file name for a download's name (which may be long, nested, or not ASCII).</summary>
    private static string Key(string name) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..32];

    private Origin? Read(string path)
    {
        if (directory.Stat(path).Type != Posix.EntryType.Regular)
        {
            return null;
        }

        try
        {
            using var stream = directory.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            var root = document.RootElement;
            return new Origin(
                root.GetProperty("url").GetString()!,
                root.TryGetProperty("length", out var length) && length.ValueKind == JsonValueKind.Number ? length.GetInt64() : null,
                root.TryGetProperty("etag", out var etag) && etag.ValueKind == JsonValueKind.String ? etag.GetString() : null,
                root.TryGetProperty("last_modified", out var modified) && modified.ValueKind == JsonValueKind.String ? modified.GetDateTimeOffset() : null,
                root.TryGetProperty("sha256", out var sha) && sha.ValueKind == JsonValueKind.String ? sha.GetString() : null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // A record fanout cannot read proves nothing: as if there were none.
            return null;
        }
    }

    private void Write(string path, string name, Origin origin)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        using (var stream = directory.OpenWrite(temporary, append: false))
        {
            using (var json = new Utf8JsonWriter(stream))
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteString("url", origin.Url);
                if (origin.Length is { } length)
                {
                    json.WriteNumber("length", length);
                }

                if (origin.ETag is { } etag)
                {
                    json.WriteString("etag", etag);
                }

                if (origin.LastModified is { } modified)
                {
                    json.WriteString("last_modified", modified);
                }

                if (origin.Sha256 is { } sha)
                {
                    json.WriteString("sha256", sha);
                }

                json.WriteEndObject();
            }

            stream.Flush(flushToDisk: true);
        }

        directory.Move(temporary, path);
    }
}
