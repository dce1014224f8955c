using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Simplestack.XenApi.Simulator.Store;

namespace Simplestack.XenApi.Simulator.Xva;

/// <summary>
/// Writes an XVA: a tar of ova.xml, then each disk as "Ref:N/%08d" blocks of 1 MiB (the last one
/// shorter when the size is not a multiple), each followed by "Ref:N/%08d.checksum", the block's
/// SHA-1 in lower-case hex. As stream_vdi.ml, blocks of zeros are left out except the first and
/// the last, which are always written (the importer learns the block size from the first and
/// reaches the disk's end with the last). One block is in memory at a time.
/// </summary>
internal static class XvaWriter
{
    private static readonly byte[] Zeros = new byte[VdiContent.BlockSize];

    /// <summary>Streams the archive; <paramref name="progressed"/> gets the disk bytes covered so far and the total.</summary>
    public static async Task WriteAsync(Stream output, string ovaXml, IReadOnlyList<XvaDisk> disks, VdiContent content,
        Action<long, long> progressed, CancellationToken cancellation)
    {
        var total = disks.Sum(d => d.Size);
        long covered = 0;
        await using var tar = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true);
        await WriteFileAsync(tar, OvaXml.FileName, Encoding.UTF8.GetBytes(ovaXml), DateTimeOffset.UtcNow, cancellation).ConfigureAwait(false);
        foreach (var disk in disks)
        {
            if (disk.Size <= 0)
            {
                continue;
            }
            var last = (disk.Size - 1) / VdiContent.BlockSize;
            var blocks = new SortedSet<long>(content.Written(disk.Vdi).Where(i => i <= last)) { 0, last };
            foreach (var index in blocks)
            {
                var length = (int)Math.Min(VdiContent.BlockSize, disk.Size - index * VdiContent.BlockSize);
                var data = (content.Block(disk.Vdi, index) ?? Zeros).AsMemory(0, length);
                var name = disk.Prefix + "/" + index.ToString("D8", CultureInfo.InvariantCulture);
                await WriteFileAsync(tar, name, data, DateTimeOffset.UnixEpoch, cancellation).ConfigureAwait(false);
                var checksum = Convert.ToHexStringLower(SHA1.HashData(data.Span));
                await WriteFileAsync(tar, name + ".checksum", Encoding.ASCII.GetBytes(checksum), DateTimeOffset.UnixEpoch, cancellation).ConfigureAwait(false);
                progressed(covered + index * VdiContent.BlockSize + length, total);
            }
            covered += disk.Size;
        }
    }

    private static async Task WriteFileAsync(TarWriter tar, string name, ReadOnlyMemory<byte> data, DateTimeOffset modified, CancellationToken cancellation)
    {
        // ocaml-tar's Header.make defaults: mode 0400, owner 0:0.
        var entry = new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = UnixFileMode.UserRead,
            ModificationTime = modified,
            DataStream = new ReadOnlyMemoryStream(data),
        };
        await tar.WriteEntryAsync(entry, cancellation).ConfigureAwait(false);
    }

    /// <summary>A seekable read-only view of a block, so the tar header can state its length without a copy.</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> data) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => data.Length;

        public override long Position
        {
            get => _position;
            set => _position = (int)Math.Clamp(value, 0, data.Length);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = Math.Min(buffer.Length, data.Length - _position);
            data.Span.Slice(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => data.Length + offset,
            };
            return _position;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
