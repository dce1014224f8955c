using System.Threading.Channels;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt.Consoles;

/// <summary>
/// A guest's serial console as a <see cref="Stream"/>, over a non-blocking libvirt stream fed by
/// libvirt's event loop (as <c>virsh console</c> does). No thread waits on the console: a blocking
/// <c>virStreamRecv</c> would hold a call slot, and on a shared connection hold up its other calls,
/// for as long as the guest stays silent. The event callback receives into a bounded queue of
/// chunks; when the queue is full it stops asking for data until the reader has taken some, so a
/// slow WebSocket slows libvirt's stream down instead of growing a buffer.
/// Sends are non-blocking libvirt calls made on the writer's own thread: they queue the bytes on
/// the connection and return without waiting for the daemon.
/// </summary>
internal sealed class SerialConsoleStream : Stream
{
    private const int ChunkBytes = 16 * 1024;
    private const int QueuedChunks = 16;
    private const StreamEvents Always = StreamEvents.Error | StreamEvents.Hangup;
    private static readonly TimeSpan SendRetry = TimeSpan.FromMilliseconds(10);

    private readonly LibvirtStream _stream;
    private readonly Channel<byte[]> _incoming = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueuedChunks)
    {
        SingleReader = true,
        SingleWriter = true,
    });

    private readonly byte[] _receiveBuffer = new byte[ChunkBytes];
    private readonly Lock _gate = new();
    private byte[]? _current;
    private int _currentOffset;
    private bool _paused;
    private bool _closed;
    private bool _disposed;

    /// <summary>Takes <paramref name="stream"/> (non-blocking, its console opened) and starts listening to it.</summary>
    public SerialConsoleStream(LibvirtStream stream)
    {
        _stream = stream;
        _stream.AddEventCallback(StreamEvents.Readable | Always, OnEvents);
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>On libvirt's event loop thread: receives while there is room, pauses when there is none.</summary>
    private void OnEvents(StreamEvents events)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            try
            {
                while (_incoming.Reader.Count < QueuedChunks)
                {
                    var read = _stream.Receive(_receiveBuffer);
                    if (read == LibvirtStream.WouldBlock)
                    {
                        if ((events & Always) != 0)
                        {
                            End();
                        }

                        return;
                    }

                    if (read == 0)
                    {
                        End();
                        return;
                    }

                    _incoming.Writer.TryWrite(_receiveBuffer.AsSpan(0, read).ToArray());
                }

                _paused = true;
                _stream.UpdateEventCallback(Always);
            }
            catch (LibvirtException)
            {
                // The console ended (the guest stopped, or another opener took the console over).
                End();
            }
        }
    }

    /// <summary>Under the gate: no more data; the reader sees the end after what is queued.</summary>
    private void End()
    {
        _closed = true;
        _incoming.Writer.TryComplete();
        try
        {
            _stream.RemoveEventCallback();
        }
        catch (LibvirtException)
        {
            // Already gone with the stream.
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_current is null)
        {
            if (!await _incoming.Reader.WaitToReadAsync(cancellationToken) || !_incoming.Reader.TryRead(out _current))
            {
                return 0;
            }

            _currentOffset = 0;
            ResumeIfPaused();
        }

        var count = Math.Min(buffer.Length, _current.Length - _currentOffset);
        _current.AsMemory(_currentOffset, count).CopyTo(buffer);
        _currentOffset += count;
        if (_currentOffset == _current.Length)
        {
            _current = null;
        }

        return count;
    }

    private void ResumeIfPaused()
    {
        lock (_gate)
        {
            if (!_paused || _closed)
            {
                return;
            }

            _paused = false;
            try
            {
                // Data libvirt holds already makes the callback run again at once.
                _stream.UpdateEventCallback(StreamEvents.Readable | Always);
            }
            catch (LibvirtException)
            {
                End();
            }
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int sent;
            try
            {
                sent = _stream.Send(buffer.Span);
            }
            catch (LibvirtException error)
            {
                throw new IOException("The guest's console has closed.", error);
            }

            if (sent == LibvirtStream.WouldBlock)
            {
                // The connection's send queue is full (rare: a remote stream queues and returns).
                await Task.Delay(SendRetry, cancellationToken);
                continue;
            }

            buffer = buffer[sent..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            lock (_gate)
            {
                if (!_closed)
                {
                    End();
                }
            }

            try
            {
                _stream.Abort();
            }
            catch (LibvirtException)
            {
                // The console had ended already.
            }

            _stream.Dispose();
        }

        base.Dispose(disposing);
    }
}
