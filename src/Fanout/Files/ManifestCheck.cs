using System.Text.Json;

namespace Fanout.Files;

/// <summary>
/// A tree checked against a manifest (<c>read --check manifest.jsonl</c>, a previous run's records): each file now is
/// unchanged, changed (same path, another digest), new, or moved (a new path with the digest of a path that is gone);
/// each manifest path not seen now and not moved is missing. What hashdeep's audit and <c>b3sum --check</c> do, in words.
/// </summary>
public sealed class ManifestCheck
{
    private readonly Dictionary<string, string> _expected;
    private readonly Dictionary<string, string> _seen = new(StringComparer.Ordinal);

    private ManifestCheck(string source, FileHashAlgorithm algorithm, Dictionary<string, string> expected)
    {
        Source = source;
        Algorithm = algorithm;
        _expected = expected;
    }

    /// <summary>The manifest's file name.</summary>
    public string Source { get; }

    /// <summary>The digest the manifest holds (the run must compute the same).</summary>
    public FileHashAlgorithm Algorithm { get; }

    /// <summary>Files the manifest lists.</summary>
    public int Count => _expected.Count;

    /// <summary>Reads a manifest: JSONL records with <c>path</c> and one digest field (blake3, sha256, sha1 or md5).</summary>
    /// <param name="path">The manifest.</param>
    /// <returns>The check, with nothing seen yet.</returns>
    /// <exception cref="FormatException">A line is not a record with a path and a digest (file:line), or digests differ in kind.</exception>
    public static ManifestCheck Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        FileHashAlgorithm? algorithm = null;
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("path", out var name) || name.ValueKind != JsonValueKind.String)
                {
                    throw new FormatException("not a record with a path");
                }

                if (root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.False)
                {
                    // A file the earlier run could not read is not part of what it vouches for.
                    continue;
                }

                var found = Enum.GetValues<FileHashAlgorithm>().Where(a => a != FileHashAlgorithm.None)
                    .Select(a => (Algorithm: a, Field: FileReader.FieldName(a)))
                    .FirstOrDefault(a => root.TryGetProperty(a.Field, out var v) && v.ValueKind == JsonValueKind.String);
                if (found.Field is null)
                {
                    throw new FormatException("no digest (blake3, sha256, sha1 or md5): make the manifest with fanout read --hash");
                }

                if (algorithm is { } kind && kind != found.Algorithm)
                {
                    throw new FormatException($"a {found.Field} digest where earlier lines have {FileReader.FieldName(kind)}");
                }

                algorithm = found.Algorithm;
                expected[name.GetString()!] = root.GetProperty(found.Field).GetString()!;
            }
            catch (JsonException)
            {
                throw new FormatException($"{path}:{number}: not JSON (a manifest is the JSONL of an earlier fanout read)");
            }
            catch (FormatException ex) when (!ex.Message.StartsWith(path + ":", StringComparison.Ordinal))
            {
                throw new FormatException($"{path}:{number}: {ex.Message}");
            }
        }

        return algorithm is { } chosen
            ? new ManifestCheck(path, chosen, expected)
            : throw new FormatException($"{path}: no records (a manifest is the JSONL of an earlier fanout read)");
    }

    /// <summary>Notes a file as it is now.</summary>
    /// <param name="path">Its path, as the run shows it.</param>
    /// <param name="digest">Its digest.</param>
    public void Add(string path, string digest) => _seen[path] = digest;

    /// <summary>What differs.</summary>
    /// <returns>The comparison.</returns>
    public ManifestDiff Compare()
    {
        var changed = new List<string>();
        var added = new List<string>();
        var unchanged = 0;
        foreach (var (path, digest) in _seen)
        {
            if (_expected.TryGetValue(path, out var was))
            {
                if (was == digest)
                {
                    unchanged++;
                }
                else
                {
                    changed.Add(path);
                }
            }
            else
            {
                added.Add(path);
            }
        }

        // Gone paths by digest: a new path with one of their digests was moved there (each gone path used once).
        var gone = _expected.Where(e => !_seen.ContainsKey(e.Key)).GroupBy(e => e.Value, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new Queue<string>(g.Select(e => e.Key).Order(StringComparer.Ordinal)), StringComparer.Ordinal);
        var moved = new List<(string From, string To)>();
        var reallyNew = new List<string>();
        foreach (var path in added.Order(StringComparer.Ordinal))
        {
            if (gone.TryGetValue(_seen[path], out var from) && from.TryDequeue(out var source))
            {
                moved.Add((source, path));
            }
            else
            {
                reallyNew.Add(path);
            }
        }

        // A gone path still on disk was not read by this run (hidden, ignored, excluded or filtered), not removed.
        var gonePaths = gone.Values.SelectMany(q => q).Order(StringComparer.Ordinal).ToList();
        var missing = gonePaths.Where(p => !File.Exists(p)).ToList();
        var notRead = gonePaths.Where(File.Exists).ToList();
        return new ManifestDiff(unchanged, [.. changed.Order(StringComparer.Ordinal)], reallyNew, missing, moved) { NotRead = notRead };
    }
}

/// <summary>How a tree differs from its manifest.</summary>
/// <param name="Unchanged">Files as the manifest has them.</param>
/// <param name="Changed">Same path, another digest.</param>
/// <param name="New">Paths the manifest does not have (and not moved there).</param>
/// <param name="Missing">Manifest paths that are gone from the disk (and not moved).</param>
/// <param name="Moved">A gone path's content at a new path.</param>
public sealed record ManifestDiff(int Unchanged, IReadOnlyList<string> Changed, IReadOnlyList<string> New, IReadOnlyList<string> Missing, IReadOnlyList<(string From, string To)> Moved)
{
    /// <summary>
    /// Manifest paths this run did not read though they are on disk (left out as hidden or ignored, by --exclude or a
    /// filter): not verified, so a difference, but not missing either.
    /// </summary>
    public IReadOnlyList<string> NotRead { get; init; } = [];

    /// <summary>Whether the tree is as the manifest says (every file of it read and the same).</summary>
    public bool Same => Changed.Count == 0 && New.Count == 0 && Missing.Count == 0 && Moved.Count == 0 && NotRead.Count == 0;
}
