using System.Security.Cryptography;

namespace Fanout.Files;

/// <summary>One digest over a file's bytes, whichever algorithm: the framework's hashes, or BLAKE3 (the Blake3 package, SIMD).</summary>
internal sealed class FileDigest : IDisposable
{
    private readonly IncrementalHash? _hash;
    private readonly Blake3.Hasher? _blake3;

    private FileDigest(IncrementalHash? hash, bool blake3)
    {
        _hash = hash;
        _blake3 = blake3 ? Blake3.Hasher.New() : null;
    }

    /// <summary>A digest for <paramref name="algorithm"/>; null for none.</summary>
    public static FileDigest? Create(FileHashAlgorithm algorithm) => algorithm switch
    {
        FileHashAlgorithm.Sha256 => new FileDigest(IncrementalHash.CreateHash(HashAlgorithmName.SHA256), blake3: false),
        FileHashAlgorithm.Sha1 => new FileDigest(IncrementalHash.CreateHash(HashAlgorithmName.SHA1), blake3: false),
        FileHashAlgorithm.Md5 => new FileDigest(IncrementalHash.CreateHash(HashAlgorithmName.MD5), blake3: false),
        FileHashAlgorithm.Blake3 => new FileDigest(null, blake3: true),
        _ => null,
    };

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_blake3 is not null)
        {
            _blake3.Update(bytes);
        }
        else
        {
            _hash!.AppendData(bytes);
        }
    }

    /// <summary>The digest in lower-case hex, as sha256sum and b3sum print it.</summary>
    public string Finish()
    {
        if (_blake3 is null)
        {
            return Convert.ToHexStringLower(_hash!.GetHashAndReset());
        }

        Span<byte> digest = stackalloc byte[32];
        _blake3.Finalize(digest);
        return Convert.ToHexStringLower(digest);
    }

    public void Dispose()
    {
        _hash?.Dispose();
        _blake3?.Dispose();
    }
}
