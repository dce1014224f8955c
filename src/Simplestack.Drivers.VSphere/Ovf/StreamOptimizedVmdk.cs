using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Simplestack.Drivers.VSphere.Ovf;

/// <summary>
/// A raw disk turned into a stream-optimized VMDK as it is read (VMware's Virtual Disk Format
/// 5.0, the encoding OVAs carry and the NFC import expects): a sparse header, the embedded
/// descriptor, each grain of 64 KiB behind a grain marker, a grain table after every 512 grains,
/// the grain directory, the footer and the end-of-stream marker. Grains are zlib streams of
/// stored (uncompressed) deflate blocks, so every grain's size, and the file's length, is known
/// from the raw length before the first byte: what the tar header and Content-Length need. The
/// raw bytes end at <c>dataBytes</c>; the rest of the capacity is zeros, left out (no grain).
/// </summary>
internal sealed class StreamOptimizedVmdk : Stream
{
    public const int GrainBytes = 64 * 1024;
    private const int Sector = 512;
    private const int GrainSectors = GrainBytes / Sector;
    private const int TableEntries = 512;
    private const int DescriptorSectors = 20;
    private const int OverheadSectors = 128;
    private const int MaxStoredBlock = 65535;

    private readonly Stream _raw;
    private readonly long _dataBytes;
    private readonly long _capacitySectors;
    private readonly byte[] _descriptor;
    private readonly IAsyncEnumerator<ReadOnlyMemory<byte>> _chunks;
    private ReadOnlyMemory<byte> _pending;
    private long _position;
    private CancellationToken _reading;

    /// <param name="raw">The raw disk, read forward: exactly <paramref name="dataBytes"/> bytes.</param>
    /// <param name="capacityBytes">The disk's capacity (at least <paramref name="dataBytes"/> is assumed).</param>
    public StreamOptimizedVmdk(Stream raw, long dataBytes, long capacityBytes, string extentName)
    {
        _raw = raw;
        _dataBytes = dataBytes;
        _capacitySectors = (Math.Max(capacityBytes, dataBytes) + Sector - 1) / Sector;
        _descriptor = Descriptor(_capacitySectors, extentName);
        Length = LengthOf(dataBytes, capacityBytes);
        _chunks = Chunks().GetAsyncEnumerator();
    }

    /// <summary>The VMDK's length for a raw disk of <paramref name="dataBytes"/> bytes (the rest of the capacity zeros).</summary>
    public static long LengthOf(long dataBytes, long capacityBytes)
    {
        var grains = (dataBytes + GrainBytes - 1) / GrainBytes;
        long sectors = OverheadSectors;
        for (long grain = 0; grain < grains; grain++)
        {
            sectors += GrainRecordSectors(GrainLength(grain, dataBytes, capacityBytes));
        }

        var tables = (grains + TableEntries - 1) / TableEntries;
        sectors += tables * (1 + TableSectors);
        sectors += 1 + DirectorySectors(capacityBytes, dataBytes);
        return (sectors + 3) * Sector; // Footer marker, footer, end-of-stream marker.
    }

    public override bool CanRead => true;

    public override bool CanSeek => true; // Only so that TarWriter reads Length; never seeks.

    public override bool CanWrite => false;

    public override long Length { get; }

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("This stream reads forward only.");
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _reading = cancellationToken; // The chunks read the raw disk under the caller's token.
        while (_pending.IsEmpty)
        {
            if (!await _chunks.MoveNextAsync())
            {
                return 0;
            }

            _pending = _chunks.Current;
        }

        var count = Math.Min(buffer.Length, _pending.Length);
        _pending[..count].CopyTo(buffer);
        _pending = _pending[count..];
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    private async IAsyncEnumerable<ReadOnlyMemory<byte>> Chunks()
    {
        var grains = (_dataBytes + GrainBytes - 1) / GrainBytes;
        var directory = new uint[(_capacitySectors * Sector + ((long)GrainBytes * TableEntries) - 1) / ((long)GrainBytes * TableEntries)];
        yield return Header(gdOffset: ulong.MaxValue);
        var descriptor = new byte[DescriptorSectors * Sector];
        _descriptor.CopyTo(descriptor, 0);
        yield return descriptor;
        yield return new byte[(OverheadSectors - 1 - DescriptorSectors) * Sector];

        long sector = OverheadSectors;
        var table = new uint[TableEntries];
        var grain = new byte[GrainBytes];
        for (long index = 0; index < grains; index++)
        {
            var length = GrainLength(index, _dataBytes, _capacitySectors * Sector);
            var fromData = (int)Math.Min(length, _dataBytes - (index * GrainBytes));
            await _raw.ReadExactlyAsync(grain.AsMemory(0, fromData), _reading);
            Array.Clear(grain, fromData, length - fromData);
            table[index % TableEntries] = checked((uint)sector);
            var record = GrainRecord(index * GrainSectors, grain.AsSpan(0, length));
            sector += record.Length / Sector;
            yield return record;

            if (index % TableEntries == TableEntries - 1 || index == grains - 1)
            {
                yield return Marker(TableSectors, 1);
                directory[index / TableEntries] = checked((uint)(sector + 1));
                yield return Entries(table, TableSectors);
                sector += 1 + TableSectors;
                Array.Clear(table);
            }
        }

        var directorySectors = (int)DirectorySectors(_capacitySectors * Sector, _dataBytes);
        yield return Marker(directorySectors, 2);
        var gdOffset = (ulong)(sector + 1);
        yield return Entries(directory, directorySectors);
        yield return Marker(1, 3);
        yield return Header(gdOffset);
        yield return new byte[Sector]; // End of stream.
    }

    private static long TableSectors => TableEntries * 4 / Sector;

    private static long DirectorySectors(long capacityBytes, long dataBytes)
    {
        var capacitySectors = (Math.Max(capacityBytes, dataBytes) + Sector - 1) / Sector;
        var entries = (capacitySectors * Sector + ((long)GrainBytes * TableEntries) - 1) / ((long)GrainBytes * TableEntries);
        return Math.Max(1, (entries * 4 + Sector - 1) / Sector);
    }

    /// <summary>The bytes a grain covers: a whole grain, or what is left of the capacity for the last.</summary>
    private static int GrainLength(long grain, long dataBytes, long capacityBytes)
    {
        var capacity = (Math.Max(capacityBytes, dataBytes) + Sector - 1) / Sector * Sector;
        return (int)Math.Min(GrainBytes, capacity - (grain * GrainBytes));
    }

    /// <summary>A grain marker (lba, size) followed by the zlib stream, padded to whole sectors.</summary>
    private static long GrainRecordSectors(int length) => (12 + ZlibLength(length) + Sector - 1) / Sector;

    private static long ZlibLength(int length) => 2 + (5L * Math.Max(1, (length + MaxStoredBlock - 1) / MaxStoredBlock)) + length + 4;

    private static byte[] GrainRecord(long lba, ReadOnlySpan<byte> data)
    {
        var record = new byte[GrainRecordSectors(data.Length) * Sector];
        BinaryPrimitives.WriteUInt64LittleEndian(record, (ulong)lba);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), (uint)ZlibLength(data.Length));
        var at = 12;
        record[at++] = 0x78; // zlib: deflate, 32 KiB window, no dictionary, "fastest" level.
        record[at++] = 0x01;
        var rest = data;
        do
        {
            var block = rest[..Math.Min(rest.Length, MaxStoredBlock)];
            rest = rest[block.Length..];
            record[at++] = (byte)(rest.IsEmpty ? 1 : 0); // BFINAL, BTYPE 00: stored.
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(at), (ushort)block.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(at + 2), (ushort)~block.Length);
            at += 4;
            block.CopyTo(record.AsSpan(at));
            at += block.Length;
        }
        while (!rest.IsEmpty);

        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(at), Adler32(data));
        return record;
    }

    private static uint Adler32(ReadOnlySpan<byte> data)
    {
        uint a = 1, b = 0;
        while (!data.IsEmpty)
        {
            var run = data[..Math.Min(data.Length, 5552)]; // The longest run before b can overflow.
            foreach (var value in run)
            {
                a += value;
                b += a;
            }

            a %= 65521;
            b %= 65521;
            data = data[run.Length..];
        }

        return (b << 16) | a;
    }

    /// <summary>A metadata marker sector: the sectors that follow, and their type (0 end, 1 grain table, 2 directory, 3 footer).</summary>
    private static byte[] Marker(long sectors, uint type)
    {
        var marker = new byte[Sector];
        BinaryPrimitives.WriteUInt64LittleEndian(marker, (ulong)sectors);
        BinaryPrimitives.WriteUInt32LittleEndian(marker.AsSpan(12), type);
        return marker;
    }

    private static byte[] Entries(uint[] entries, long sectors)
    {
        var bytes = new byte[sectors * Sector];
        for (var i = 0; i < entries.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), entries[i]);
        }

        return bytes;
    }

    /// <summary>The sparse extent header (and, with the directory's offset, the footer).</summary>
    private byte[] Header(ulong gdOffset)
    {
        var header = new byte[Sector];
        "KDMV"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 3);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 0x00030001); // Newline test, compressed grains, markers.
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(12), (ulong)_capacitySectors);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(20), GrainSectors);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(28), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(36), DescriptorSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(44), TableEntries);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(48), 0);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(56), gdOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(64), OverheadSectors);
        header[72] = 0;
        header[73] = (byte)'\n';
        header[74] = (byte)' ';
        header[75] = (byte)'\r';
        header[76] = (byte)'\n';
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(77), 1); // Deflate.
        return header;
    }

    private static byte[] Descriptor(long capacitySectors, string extentName)
    {
        var cylinders = Math.Min(65535, capacitySectors / (255 * 63));
        var text = string.Create(CultureInfo.InvariantCulture, $"""
            # Disk DescriptorFile
            version=1
            CID={Random.Shared.Next() | 1:x8}
            parentCID=ffffffff
            createType="streamOptimized"

            # Extent description
            RW {capacitySectors} SPARSE "{extentName}"

            # The Disk Data Base
            #DDB

            ddb.adapterType = "lsilogic"
            ddb.geometry.cylinders = "{cylinders}"
            ddb.geometry.heads = "255"
            ddb.geometry.sectors = "63"
            ddb.virtualHWVersion = "4"

            """).ReplaceLineEndings("\n");
        var bytes = Encoding.ASCII.GetBytes(text);
        return bytes.Length <= DescriptorSectors * Sector ? bytes : throw new InvalidOperationException("The VMDK descriptor outgrew its sectors.");
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("This stream reads forward only.");

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _chunks.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }
}
