namespace Fanout.Files;

/// <summary>The digest computed over each file's bytes.</summary>
public enum FileHashAlgorithm
{
    /// <summary>SHA-256, as <c>sha256sum</c> prints it.</summary>
    Sha256,

    /// <summary>SHA-1, as <c>sha1sum</c> prints it.</summary>
    Sha1,

    /// <summary>MD5, as <c>md5sum</c> prints it.</summary>
    Md5,

    /// <summary>BLAKE3 (256-bit), as <c>b3sum</c> prints it: several times faster than SHA-256 (SIMD).</summary>
    Blake3,

    /// <summary>No digest: faster when only counts or matches are wanted.</summary>
    None,
}
