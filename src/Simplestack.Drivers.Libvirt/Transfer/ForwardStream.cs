namespace Simplestack.Drivers.Libvirt.Transfer;

/// <summary>
/// A read-forward stream of a length known in advance (like an HTTP body with Content-Length),
/// reading chunks through a callback and hashing what passes. It reports <c>CanSeek</c> so that
/// System.Formats.Tar can read its <c>Length</c> for the entry header; it never seeks.
/// </summary>
internal sealed class ForwardStream(long length, Func<Memory<byte>, CancellationToken, ValueTask<int>> read) : Stream
{
    private readonly System.Security.Cryptography.IncrementalHash _sha256 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
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

    public string Sha256Hex() => Convert.ToHexStringLower(_sha256.GetHashAndReset());

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var wanted = (int)Math.Min(buffer.Length, length - _position);
        if (wanted == 0)
        {
            return 0;
        }

        var count = await read(buffer[..wanted], cancellationToken);
        if (count == 0)
        {
            throw new EndOfStreamException($"The disk ended after {_position} of {length} bytes.");
        }

        _sha256.AppendData(buffer.Span[..count]);
        _position += count;
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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha256.Dispose();
        }

        base.Dispose(disposing);
    }
}
