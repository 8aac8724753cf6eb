using System.Net.Http.Headers;
using System.Text;

namespace Fanout.Downloads;

/// <summary>
/// Safe file names from untrusted sources (URLs, Content-Disposition, input lines): whatever a server
/// or a list says, the result is a relative path inside the download directory.
/// </summary>
internal static class FileNames
{
    private const int MaxNameBytes = 200;

    /// <summary>The last segment of the URL's path, percent-decoded, query dropped; <c>download</c> when there is none.</summary>
    public static string FromUrl(Uri url)
    {
        var segment = url.AbsolutePath.TrimEnd('/');
        segment = segment[(segment.LastIndexOf('/') + 1)..];
        return Sanitize(LastSegment(Uri.UnescapeDataString(segment)));
    }

    /// <summary>The filename of a Content-Disposition header (<c>filename*</c> preferred, RFC 5987/6266), sanitized; <see langword="null"/> when there is none.</summary>
    public static string? FromContentDisposition(ContentDispositionHeaderValue? header)
    {
        if (header is null)
        {
            return null;
        }

        // .NET decodes filename* (charset'lang'percent-encoded) into FileNameStar.
        var name = header.FileNameStar ?? header.FileName?.Trim('"');
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        if (header.FileNameStar is null && name.Contains('%', StringComparison.Ordinal))
        {
            name = Uri.UnescapeDataString(name);
        }

        return Sanitize(LastSegment(name));
    }

    /// <summary>
    /// One path segment: no directory separators, no <c>..</c>, no control characters, no leading dots
    /// or trailing dots and spaces, at most 200 UTF-8 bytes (keeping the extension).
    /// </summary>
    public static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(c is '/' or '\\' || char.IsControl(c) ? '_' : c);
        }

        var clean = builder.ToString().Trim().TrimStart('.').TrimEnd('.', ' ');
        if (clean.Length == 0)
        {
            clean = "download";
        }

        return Truncate(clean);
    }

    /// <summary>
    /// A relative path asked for by the user (<c>photos/a.jpg</c>): each segment sanitized, <c>..</c> and
    /// empty segments dropped, so it stays inside the directory.
    /// </summary>
    public static string SanitizeRelativePath(string path)
    {
        var segments = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s is not "." and not "..")
            .Select(Sanitize)
            .ToList();
        return segments.Count == 0 ? "download" : string.Join('/', segments);
    }

    /// <summary>The full path of <paramref name="relative"/> under <paramref name="directory"/>; throws if it would leave it.</summary>
    public static string Inside(string directory, string relative)
    {
        var root = Path.GetFullPath(directory).TrimEnd('/') + "/";
        var full = Path.GetFullPath(Path.Combine(root, relative));
        return full.StartsWith(root, StringComparison.Ordinal)
            ? full
            : throw new InvalidOperationException($"'{relative}' would be written outside {directory}");
    }

    /// <summary><c>name (n).ext</c>.</summary>
    public static string Numbered(string relative, int n)
    {
        var directory = Path.GetDirectoryName(relative);
        var name = Path.GetFileNameWithoutExtension(relative);
        var extension = Path.GetExtension(relative);
        var numbered = $"{name} ({n}){extension}";
        return string.IsNullOrEmpty(directory) ? numbered : $"{directory}/{numbered}";
    }

    /// <summary>What follows the last separator: a server's <c>../../etc/passwd</c> is a file called <c>passwd</c>, as <c>curl -J</c> saves it.</summary>
    private static string LastSegment(string name) => name[(name.LastIndexOfAny(['/', '\\']) + 1)..];

    private static string Truncate(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= MaxNameBytes)
        {
            return name;
        }

        var extension = Path.GetExtension(name);
        if (extension.Length > 16)
        {
            extension = string.Empty;
        }

        var stem = name[..^extension.Length];
        while (Encoding.UTF8.GetByteCount(stem) + Encoding.UTF8.GetByteCount(extension) > MaxNameBytes)
        {
            stem = stem[..^(char.IsLowSurrogate(stem[^1]) && stem.Length > 1 ? 2 : 1)];
        }

        return stem + extension;
    }
}
