using Simplestack.Libvirt.Interop;

namespace Simplestack.Libvirt;

/// <summary>A libvirt data stream (<c>virStreamPtr</c>), used for volume upload and download and for consoles.</summary>
public sealed class LibvirtStream : IDisposable
{
    /// <summary>Returned by <see cref="Send"/> and <see cref="Receive"/> on a non-blocking stream that would block.</summary>
    public const int WouldBlock = -2;

    /// <summary>VIR_STREAM_NONBLOCK, for <see cref="LibvirtConnection.NewStream"/>: sends and receives never wait.</summary>
    public const uint NonBlocking = 1;

    internal LibvirtStream(LibvirtConnection connection, StreamHandle handle)
    {
        Connection = connection;
        Handle = handle;
    }

    internal StreamHandle Handle { get; }

    public LibvirtConnection Connection { get; }

    /// <summary><c>virStreamSend</c>: bytes sent, or <see cref="WouldBlock"/> for a non-blocking stream.</summary>
    public unsafe int Send(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var n = NativeMethods.virStreamSend(Handle, p, (nuint)data.Length);
            return n == WouldBlock ? n : Errors.Check(n, "virStreamSend");
        }
    }

    /// <summary><c>virStreamRecv</c>: bytes received, 0 at end of stream, or <see cref="WouldBlock"/> for a non-blocking stream.</summary>
    public unsafe int Receive(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = NativeMethods.virStreamRecv(Handle, p, (nuint)buffer.Length);
            return n == WouldBlock ? n : Errors.Check(n, "virStreamRecv");
        }
    }

    /// <summary>
    /// <c>virStreamEventAddCallback</c>: <paramref name="callback"/> runs on libvirt's event loop
    /// thread (<see cref="Libvirt.EnsureEventLoop"/>) when one of <paramref name="events"/> happens.
    /// It must not block; it may call <see cref="Receive"/> on a non-blocking stream. One callback per stream.
    /// </summary>
    public void AddEventCallback(StreamEvents events, Action<StreamEvents> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        Proxy.AddStreamCallback(Handle, events, callback);
    }

    /// <summary><c>virStreamEventUpdateCallback</c>: which events the callback is told from now on.</summary>
    public void UpdateEventCallback(StreamEvents events)
        => Errors.Check(NativeMethods.virStreamEventUpdateCallback(Handle, (int)events), "virStreamEventUpdateCallback");

    /// <summary><c>virStreamEventRemoveCallback</c>.</summary>
    public void RemoveEventCallback()
        => Errors.Check(NativeMethods.virStreamEventRemoveCallback(Handle), "virStreamEventRemoveCallback");

    public void Finish() => Errors.Check(NativeMethods.virStreamFinish(Handle), "virStreamFinish");

    public void Abort() => Errors.Check(NativeMethods.virStreamAbort(Handle), "virStreamAbort");

    public void Dispose() => Handle.Dispose();
}
