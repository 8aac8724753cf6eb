namespace Fanout.Records;

/// <summary>
/// Compressed input read as its text, known by its first bytes whatever its name: gzip (<c>.gz</c>) and zstd
/// (<c>.zst</c>). A damaged or cut file is a <see cref="FormatException"/> naming it, never text silently lost:
/// gzip's end is checked against its trailer (.NET's reader stops quietly at a cut), zstd's frames against
/// their own sizes and checksums.
/// </summary>
internal static class CompressedInput
{
    /// <summary>The compression <paramref name="head"/> starts with: <c>gzip</c>, <c>zstd</c>, or <see langword="null"/>.</summary>
    /// <param name="head">The first bytes of a file (4 are enough).</param>
    /// <returns>The format's name.</returns>
    public static string? FormatOf(ReadOnlySpan<byte> head) =>
        head.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b]) ? "gzip"
        : head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd]) ? "zstd"
        : null;

    /// <summary>The format of the file <paramref name="file"/> reads (its position is left at 0).</summary>
    /// <param name="file">A seekable file at its start.</param>
    /// <returns>The format's name, or <see langword="null"/> for a plain file.</returns>
    public static string? FormatOf(FileStream file)
    {
        Span<byte> head = stackalloc byte[4];
        var read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        file.Position = 0;
        return FormatOf(head[..read]);
    }

    /// <summary><paramref name="file"/> decompressed when it is gzip or zstd, else <paramref name="file"/> itself.</summary>
    /// <param name="name">The file's name, for errors.</param>
    /// <param name="file">The file, at its start; the stream returned owns it.</param>
    /// <returns>A stream of the text.</returns>
    public static Stream Open(string name, FileStream file) => FormatOf(file) switch
    {
        "gzip" => new GzipInput(name, file),
        "zstd" => new ZstdInput(name, file),
        _ => file,
    };

    /// <summary>A zstd file's text; a cut or damaged frame is a <see cref="FormatException"/> with the file's name.</summary>
    private sealed class ZstdInput(string name, FileStream file) : ReadOnlyStream
    {
        private readonly ZstdSharp.DecompressionStream _zstd = new(file, checkEndOfStream: true, leaveOpen: false);

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return _zstd.Read(buffer);
            }
            catch (Exception ex) when (ex is ZstdSharp.ZstdException or EndOfStreamException or InvalidDataException)
            {
                throw Damaged(ex);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await _zstd.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ZstdSharp.ZstdException or EndOfStreamException or InvalidDataException)
            {
                throw Damaged(ex);
            }
        }

        private FormatException Damaged(Exception ex) => new($"{name}: the zstd file is cut short or damaged ({ex.Message}); nothing after that can be read", ex);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _zstd.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// A gzip file's text; a damaged stream is an input error with the file's name, not a crash. .NET's GZipStream
    /// ends a truncated stream without an error, so at the end the output is checked against the file's trailer
    /// (CRC-32 and size of the last member): all the output for one member; for several members (cat a.gz b.gz),
    /// the output since a member header near the end. No match is a cut file: an input error, never data lost unseen.
    /// </summary>
    private sealed class GzipInput(string name, FileStream file) : ReadOnlyStream
    {
        private const int MemberCandidates = 64;
        private readonly System.IO.Compression.GZipStream _gzip = new(file, System.IO.Compression.CompressionMode.Decompress, leaveOpen: true);
        private readonly System.IO.Hashing.Crc32 _crc = new();
        private long _length;
        private bool _verified;

        public override int Read(Span<byte> buffer)
        {
            int read;
            try
            {
                read = _gzip.Read(buffer);
            }
            catch (InvalidDataException ex)
            {
                throw Damaged(ex);
            }

            return Counted(buffer[..read]);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int read;
            try
            {
                read = await _gzip.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                throw Damaged(ex);
            }

            return Counted(buffer.Span[..read]);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _gzip.Dispose();
                file.Dispose();
            }

            base.Dispose(disposing);
        }

        private FormatException Damaged(InvalidDataException ex) => new($"{name}: not a whole gzip stream ({ex.Message})", ex);

        private int Counted(ReadOnlySpan<byte> output)
        {
            if (output.Length > 0)
            {
                _crc.Append(output);
                _length += output.Length;
            }
            else if (!_verified)
            {
                _verified = true;
                Verify();
            }

            return output.Length;
        }

        private void Verify()
        {
            Span<byte> trailer = stackalloc byte[8];
            if (file.Length < 18)
            {
                throw new FormatException($"{name}: a cut gzip file ({file.Length} bytes)");
            }

            file.Position = file.Length - 8;
            file.ReadExactly(trailer);
            var crc = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer);
            var size = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
            if (_crc.GetCurrentHashAsUInt32() == crc && (uint)_length == size)
            {
                return;
            }

            // Several members: one of the last member headers must start output that matches the trailer.
            if (!LastMemberMatches(crc, size))
            {
                throw new FormatException($"{name}: the gzip file is cut short or damaged (its end does not match the {_length} bytes read from it); nothing after the cut can be read");
            }
        }

        private bool LastMemberMatches(uint crc, uint size)
        {
            var candidates = 0;
            var buffer = new byte[1 << 16];
            for (var end = file.Length - 8; end > 0 && candidates < MemberCandidates;)
            {
                var start = Math.Max(0, end - buffer.Length);
                file.Position = start;
                var span = buffer.AsSpan(0, (int)(end - start));
                file.ReadExactly(span);
                for (var i = span.Length - 3; i >= 0 && candidates < MemberCandidates; i--)
                {
                    if (span[i] == 0x1f && span[i + 1] == 0x8b && span[i + 2] == 0x08 && start + i > 0)
                    {
                        candidates++;
                        if (MemberMatches(start + i, crc, size))
                        {
                            return true;
                        }
                    }
                }

                end = start + 2;
                if (start == 0)
                {
                    break;
                }
            }

            return false;
        }

        private bool MemberMatches(long offset, uint crc, uint size)
        {
            try
            {
                file.Position = offset;
                using var member = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress, leaveOpen: true);
                var check = new System.IO.Hashing.Crc32();
                var buffer = new byte[1 << 16];
                long length = 0;
                int read;
                while ((read = member.Read(buffer)) > 0)
                {
                    check.Append(buffer.AsSpan(0, read));
                    length += read;
                }

                return check.GetCurrentHashAsUInt32() == crc && (uint)length == size;
            }
            catch (InvalidDataException)
            {
                return false;
            }
        }
    }
}
