using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt.Provisioning;

/// <summary>
/// Copies bytes into a storage volume through a libvirt stream (virStorageVolUpload), which works
/// for local and remote hypervisors alike, in chunks, never holding the whole file in memory.
/// </summary>
internal static class VolumeUpload
{
    private const int ChunkBytes = 256 * 1024;

    public static void Upload(LibvirtStorageVolume volume, Stream source, long length)
    {
        using var stream = volume.Connection.NewStream();
        volume.Upload(stream, 0, (ulong)length);
        var buffer = new byte[ChunkBytes];
        try
        {
            long sent = 0;
            while (sent < length)
            {
                var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, length - sent));
                if (read == 0)
                {
                    throw new EndOfStreamException($"The source ended after {sent} of {length} bytes.");
                }

                var offset = 0;
                while (offset < read)
                {
                    offset += stream.Send(buffer.AsSpan(offset, read - offset));
                }

                sent += read;
            }

            stream.Finish();
        }
        catch
        {
            TryAbort(stream);
            throw;
        }
    }

    public static void Download(LibvirtStorageVolume volume, Stream destination, long length)
    {
        using var stream = volume.Connection.NewStream();
        volume.Download(stream, 0, (ulong)length);
        var buffer = new byte[ChunkBytes];
        try
        {
            while (true)
            {
                var read = stream.Receive(buffer);
                if (read == 0)
                {
                    break;
                }

                destination.Write(buffer, 0, read);
            }

            stream.Finish();
        }
        catch
        {
            TryAbort(stream);
            throw;
        }
    }

    private static void TryAbort(LibvirtStream stream)
    {
        try
        {
            stream.Abort();
        }
        catch (LibvirtException)
        {
            // The stream is already broken; the caller's exception says why.
        }
    }
}
