using System.Globalization;
using System.Text;

namespace Fanout.Engine;

/// <summary>
/// One of <see cref="Count"/> disjoint parts of an input, chosen by a stable hash of each item's key,
/// so that n machines can split one input with no coordinator.
/// </summary>
/// <param name="Number">Which part, from 1 to <see cref="Count"/>.</param>
/// <param name="Count">How many parts.</param>
public sealed record Shard(int Number, int Count)
{
    /// <summary>Whether the item with this key belongs to this shard.</summary>
    /// <param name="key">The item's key.</param>
    /// <returns><see langword="true"/> when the key hashes to this shard.</returns>
    public bool Contains(string key) => (int)(StableHash(key) % (ulong)Count) == Number - 1;

    /// <summary>Parses <c>i/n</c> with 1 &lt;= i &lt;= n.</summary>
    /// <param name="text">The text, for example <c>2/4</c>.</param>
    /// <returns>The shard.</returns>
    /// <exception cref="FormatException">The text is not of the form <c>i/n</c> with 1 &lt;= i &lt;= n.</exception>
    public static Shard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0
            && int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count >= 1 && number >= 1 && number <= count)
        {
            return new Shard(number, count);
        }

        throw new FormatException($"'{text}' is not a shard: expected i/n with 1 <= i <= n, for example 2/4.");
    }

    /// <summary>
    /// <c>--shard auto</c>: the shard the CI system or scheduler set in the environment, and where it was read. Read,
    /// in this order: Bazel (<c>TEST_SHARD_INDEX</c>/<c>TEST_TOTAL_SHARDS</c>, from 0), CircleCI
    /// (<c>CIRCLE_NODE_INDEX</c>/<c>CIRCLE_NODE_TOTAL</c>, from 0), Buildkite
    /// (<c>BUILDKITE_PARALLEL_JOB</c>/<c>BUILDKITE_PARALLEL_JOB_COUNT</c>, from 0), GitLab and others
    /// (<c>CI_NODE_INDEX</c>/<c>CI_NODE_TOTAL</c>, from 1), a Kubernetes Indexed Job (<c>JOB_COMPLETION_INDEX</c>, from 0,
    /// with <paramref name="shards"/> as the count).
    /// </summary>
    /// <param name="environment">Looks a variable up.</param>
    /// <param name="shards">The number of shards where the environment gives only an index (<c>--shards N</c>).</param>
    /// <returns>The shard and a sentence naming its source.</returns>
    /// <exception cref="FormatException">No known variables are set, or they are not numbers in range.</exception>
    public static (Shard Shard, string Source) FromEnvironment(Func<string, string?> environment, int? shards = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        (string Index, string? Total, int Base, string Name)[] known =
        [
            ("TEST_SHARD_INDEX", "TEST_TOTAL_SHARDS", 0, "Bazel"),
            ("CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", 0, "CircleCI"),
            ("BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", 0, "Buildkite"),
            ("CI_NODE_INDEX", "CI_NODE_TOTAL", 1, "CI_NODE_INDEX/CI_NODE_TOTAL (GitLab)"),
            ("JOB_COMPLETION_INDEX", null, 0, "a Kubernetes Indexed Job"),
        ];
        foreach (var (indexName, totalName, origin, name) in known)
        {
            if (environment(indexName) is not { Length: > 0 } indexText)
            {
                continue;
            }

            var totalText = totalName is null ? shards?.ToString(CultureInfo.InvariantCulture) : environment(totalName);
            if (totalText is null)
            {
                throw new FormatException($"{indexName} is set ({name}) but not the number of shards: give --shards N");
            }

            if (!int.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                || !int.TryParse(totalText, NumberStyles.None, CultureInfo.InvariantCulture, out var total)
                || total < 1 || index - origin < 0 || index - origin >= total)
            {
                throw new FormatException($"{name} says shard {indexText} of {totalText}, which is not a shard");
            }

            var shard = new Shard(index - origin + 1, total);
            return (shard, $"shard {shard} from {name} ({indexName}={indexText}{(totalName is null ? $", --shards {total}" : $", {totalName}={totalText}")})");
        }

        throw new FormatException("no shard in the environment (TEST_SHARD_INDEX, CIRCLE_NODE_INDEX, BUILDKITE_PARALLEL_JOB, CI_NODE_INDEX or JOB_COMPLETION_INDEX): give --shard i/n");
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Number}/{Count}");

    /// <summary>
    /// FNV-1a over the key's UTF-8 bytes: the same on every machine, process and .NET version,
    /// which <see cref="string.GetHashCode()"/> is not.
    /// </summary>
    internal static ulong StableHash(string key)
    {
        const ulong offsetBasis = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;
        var hash = offsetBasis;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(key.Length) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(key, buffer)]
            : Encoding.UTF8.GetBytes(key);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * prime;
        }

        // FNV's low bits mix poorly for short keys; fold the high half in before taking a modulus.
        return hash ^ (hash >> 32);
    }
}
