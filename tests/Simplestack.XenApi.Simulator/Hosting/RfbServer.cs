using System.Buffers.Binary;
using System.Text;

namespace Simplestack.XenApi.Simulator.Hosting;

/// <summary>
/// A minimal RFB 3.8 server (RFC 6143) for an rfb console: security type None, a small 32-bit
/// true-colour framebuffer that never changes, and a Raw rectangle of all of it for each
/// non-incremental FramebufferUpdateRequest (incremental ones wait for a change that never comes,
/// as a real server's would on a still screen). Key, pointer and cut-text messages are read and dropped.
/// </summary>
internal static class RfbServer
{
    public const ushort Width = 64, Height = 48;

    public static async Task ServeAsync(Stream input, Stream output, string name, CancellationToken cancellation)
    {
        await Send(output, "RFB 003.008\n"u8.ToArray(), cancellation).ConfigureAwait(false);
        await ReadExactly(input, 12, cancellation).ConfigureAwait(false); // the client's ProtocolVersion
        await Send(output, [1, 1], cancellation).ConfigureAwait(false); // one security type: None
        if ((await ReadExactly(input, 1, cancellation).ConfigureAwait(false))[0] != 1)
        {
            return;
        }
        await Send(output, [0, 0, 0, 0], cancellation).ConfigureAwait(false); // SecurityResult: OK
        await ReadExactly(input, 1, cancellation).ConfigureAwait(false); // ClientInit (shared flag)
        await Send(output, ServerInit(name), cancellation).ConfigureAwait(false);
        var type = new byte[1];
        while (await input.ReadAsync(type, cancellation).ConfigureAwait(false) == 1)
        {
            switch (type[0])
            {
                case 0: // SetPixelFormat: kept at 32 bpp whatever is asked (the clients used in tests ask nothing else)
                    await ReadExactly(input, 19, cancellation).ConfigureAwait(false);
                    break;
                case 2: // SetEncodings: Raw is always allowed
                    var count = BinaryPrimitives.ReadUInt16BigEndian((await ReadExactly(input, 3, cancellation).ConfigureAwait(false)).AsSpan(1));
                    await ReadExactly(input, count * 4, cancellation).ConfigureAwait(false);
                    break;
                case 3: // FramebufferUpdateRequest
                    var request = await ReadExactly(input, 9, cancellation).ConfigureAwait(false);
                    if (request[0] == 0)
                    {
                        await Send(output, FramebufferUpdate(), cancellation).ConfigureAwait(false);
                    }
                    break;
                case 4: // KeyEvent
                    await ReadExactly(input, 7, cancellation).ConfigureAwait(false);
                    break;
                case 5: // PointerEvent
                    await ReadExactly(input, 5, cancellation).ConfigureAwait(false);
                    break;
                case 6: // ClientCutText
                    var length = BinaryPrimitives.ReadUInt32BigEndian((await ReadExactly(input, 7, cancellation).ConfigureAwait(false)).AsSpan(3));
                    await ReadExactly(input, (int)Math.Min(length, 1 << 20), cancellation).ConfigureAwait(false);
                    break;
                default:
                    return; // not RFB: a real server drops the client too
            }
        }
    }

    /// <summary>One Raw rectangle of the whole screen: a gradient, so a viewer shows something.</summary>
    private static byte[] FramebufferUpdate()
    {
        var update = new byte[4 + 12 + Width * Height * 4];
        BinaryPrimitives.WriteUInt16BigEndian(update.AsSpan(2), 1); // type 0, padding, one rectangle
        BinaryPrimitives.WriteUInt16BigEndian(update.AsSpan(8), Width);
        BinaryPrimitives.WriteUInt16BigEndian(update.AsSpan(10), Height); // at 0,0; encoding 0 (Raw)
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var pixel = 16 + (y * Width + x) * 4;
                update[pixel] = (byte)(x * 4);     // blue
                update[pixel + 1] = (byte)(y * 5); // green
                update[pixel + 2] = 0x40;          // red
            }
        }
        return update;
    }

    private static byte[] ServerInit(string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var init = new byte[24 + nameBytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(init.AsSpan(0), Width);
        BinaryPrimitives.WriteUInt16BigEndian(init.AsSpan(2), Height);
        // PixelFormat: 32 bpp, depth 24, little-endian, true colour, 8 bits each of red, green, blue.
        init[4] = 32; init[5] = 24; init[6] = 0; init[7] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(init.AsSpan(8), 255);
        BinaryPrimitives.WriteUInt16BigEndian(init.AsSpan(10), 255);
        BinaryPrimitives.WriteUInt16BigEndian(init.AsSpan(12), 255);
        init[14] = 16; init[15] = 8; init[16] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(init.AsSpan(20), (uint)nameBytes.Length);
        nameBytes.CopyTo(init, 24);
        return init;
    }

    private static async Task Send(Stream output, byte[] bytes, CancellationToken cancellation)
    {
        await output.WriteAsync(bytes, cancellation).ConfigureAwait(false);
        await output.FlushAsync(cancellation).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadExactly(Stream input, int count, CancellationToken cancellation)
    {
        var bytes = new byte[count];
        await input.ReadExactlyAsync(bytes, cancellation).ConfigureAwait(false);
        return bytes;
    }
}
