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
