using Simplestack.Core.Work;

namespace Simplestack.Server.Work;

/// <summary>
/// An import's request body that reports how much of it was read, against its declared length,
/// as the work's progress: the hypervisor takes the archive as the gateway reads it, so bytes
/// read is how far the import has come, whichever driver reads them.
/// </summary>
internal sealed class CountingReadStream(Stream inner, long length, IProgress<WorkProgress> progress) : Stream
{
    private const double Share = 95; // the rest is the driver's last step (defining the guest)
    private long _read;
    private long _lastReported;

    /// <summary><paramref name="body"/> counted when the work is followed and its length is known; else as it is.</summary>
    public static Stream Wrap(Stream body, long? length)
        => length > 0 && WorkContext.Current?.Progress is { } progress ? new CountingReadStream(body, length.Value, progress) : body;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Count(read);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Count(read);
        return read;
    }

    private void Count(int read)
    {
        _read += read;
        // A report per percent at most: bodies are read in small chunks.
        if (_read - _lastReported >= length / 100 || (read == 0 && _read != _lastReported))
        {
            _lastReported = _read;
            progress.Report(new WorkProgress(Math.Min(Share, Share * _read / length), "uploading"));
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
