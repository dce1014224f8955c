using System.Formats.Tar;

namespace Simplestack.Drivers.VSphere.Ovf;

/// <summary>
/// The OVA container (OVF spec, DSP0243 §5.3): a tar whose first entry is the <c>.ovf</c>
/// descriptor, then the files it references. Entries are ustar; one of 8 GiB or more (past
/// ustar's octal size field) is a GNU entry, whose size is written in base-256 as GNU tar,
/// ovftool and Python's tarfile read it. Either way an entry is one 512-byte header plus its data
/// padded to whole blocks, so an archive's length is known from its files' lengths alone.
/// </summary>
internal static class OvaArchive
{
    public const int BlockSize = 512;

    /// <summary>The largest size ustar's 11 octal digits hold.</summary>
    private const long UstarMaxSize = (1L << 33) - 1;

    public static long EntryLength(long dataLength) => BlockSize + ((dataLength + BlockSize - 1) / BlockSize * BlockSize);

    /// <summary>The archive's length: its entries plus the two zero blocks that end a tar.</summary>
    public static long ArchiveLength(IEnumerable<long> entryDataLengths) => entryDataLengths.Sum(EntryLength) + (2 * BlockSize);

    /// <summary>A regular file entry; <paramref name="data"/> must report its <c>Length</c> (see <see cref="KnownLengthStream"/>).</summary>
    public static TarEntry Entry(string name, Stream data)
    {
        TarEntry entry = data.Length > UstarMaxSize ? new GnuTarEntry(TarEntryType.RegularFile, name) : new UstarTarEntry(TarEntryType.RegularFile, name);
        entry.DataStream = data;
        entry.Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        entry.ModificationTime = DateTimeOffset.UtcNow;
        return entry;
    }

    /// <summary>
    /// A file name fit for a tar entry and any file system: the guest's name reduced to ASCII
    /// letters, digits, '.', '-' and '_' (others become '_'), at most 60 characters.
    /// </summary>
    public static string FileStem(string name)
    {
        var stem = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]).Trim('.');
        stem = stem.Length > 60 ? stem[..60] : stem;
        return stem.Length == 0 ? "guest" : stem;
    }
}

/// <summary>
/// A read-forward stream of a length known in advance (an HTTP body with Content-Length, a tar
/// entry). It reports <c>CanSeek</c> so that System.Formats.Tar reads its <c>Length</c> for the
/// entry header; it never seeks. A source that ends early is an <see cref="EndOfStreamException"/>;
/// one that has more is read no further. <see cref="Transferred"/> counts what passed; a hash, when
/// given, sees every byte.
/// </summary>
internal sealed class KnownLengthStream(Stream source, long length, System.Security.Cryptography.IncrementalHash? hash = null, Action<long>? transferred = null) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("This stream reads forward only.");
    }

    /// <summary>Bytes read so far (read from any thread, for progress).</summary>
    public long Transferred => Interlocked.Read(ref _position);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var wanted = (int)Math.Min(buffer.Length, length - _position);
        if (wanted == 0)
        {
            return 0;
        }

        var count = await source.ReadAsync(buffer[..wanted], cancellationToken);
        if (count == 0)
        {
            throw new EndOfStreamException($"The data ended after {_position} of {length} bytes.");
        }

        hash?.AppendData(buffer.Span[..count]);
        var position = Interlocked.Add(ref _position, count);
        transferred?.Invoke(position);
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("This stream reads forward only.");

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
