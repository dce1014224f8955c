using System.Buffers.Binary;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Simplestack.Core;

namespace Simplestack.IntegrationTests;

/// <summary>
/// Consoles over the gateway's WebSocket (API.md §10) on real guests: a QEMU guest's serial console
/// runs a command, is held by one opener unless forced, and closes when the guest stops; its VNC
/// console speaks RFB up to a framebuffer update; an LXC container's console runs a command.
/// </summary>
public sealed class ConsoleTests : GatewayOnQemu
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task A_serial_console_runs_a_command_is_held_by_one_opener_unless_forced_and_closes_when_the_guest_stops()
    {
        var guest = await CreateGuestAsync(BootableGuest(NewName("con")));
        var path = Guests($"/{guest.Id}/console?type=serial");

        var first = await ConsoleWebSocket.OpenAsync(Gateway, path, Ct);
        await using (first)
        {
            await first.WaitForShellAsync(Boot);
            Assert.Equal("ws-42", await first.RunAsync("echo ws-$((6*7))"));

            // A second opener is refused while the first holds the console...
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => ConsoleWebSocket.OpenAsync(Gateway, path, Ct));
            Assert.Contains("409", refused.Message, StringComparison.Ordinal);

            // ...and takes it over with force: the first is closed cleanly.
            await using var second = await ConsoleWebSocket.OpenAsync(Gateway, path + "&force=true", Ct);
            await first.Closed.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.Equal(WebSocketCloseStatus.NormalClosure, first.CloseStatus);
            Assert.Equal("taken-over", await second.RunAsync("echo taken-over"));

            // The guest stopping ends the console: the WebSocket closes with 1000.
            await ExpectAsync(HttpMethod.Put, Guests($"/{guest.Id}/power"), new { state = "force_stop" }, HttpStatusCode.OK);
            await second.Closed.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.Equal(WebSocketCloseStatus.NormalClosure, second.CloseStatus);
        }

        // A stopped guest has no console to open.
        var stopped = await Assert.ThrowsAnyAsync<Exception>(() => ConsoleWebSocket.OpenAsync(Gateway, path, Ct));
        Assert.Contains("409", stopped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ticket_opens_the_console_once()
    {
        var guest = await CreateGuestAsync(BootableGuest(NewName("tick")));
        var ticket = await SendAsync<TicketBody>(HttpMethod.Post, Guests($"/{guest.Id}/console/ticket"), null, HttpStatusCode.OK);
        var path = Guests($"/{guest.Id}/console?ticket={Uri.EscapeDataString(ticket.Ticket)}");

        await using (var console = await ConsoleWebSocket.OpenAsync(Gateway, path, Ct))
        {
            await console.WaitForShellAsync(Boot);
            Assert.Equal("ticket-ok", await console.RunAsync("echo ticket-ok"));
        }

        var reused = await Assert.ThrowsAnyAsync<Exception>(() => ConsoleWebSocket.OpenAsync(Gateway, path, Ct));
        Assert.Contains("401", reused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hostile_requests_are_refused_and_leave_no_console_open()
    {
        var guest = await CreateGuestAsync(BootableGuest(NewName("host")));
        var path = Guests($"/{guest.Id}/console");
        var missing = await Assert.ThrowsAnyAsync<Exception>(() => ConsoleWebSocket.OpenAsync(Gateway, Guests("/ss-no-such-guest/console"), Ct));
        Assert.Contains("404", missing.Message, StringComparison.Ordinal);
        await ExpectAsync(HttpMethod.Post, Guests("/ss-no-such-guest/console/ticket"), null, HttpStatusCode.NotFound);
        await ExpectAsync(HttpMethod.Get, path, null, HttpStatusCode.BadRequest); // not a WebSocket

        // A message past 64 KiB closes the console with 1009...
        await using (var console = await ConsoleWebSocket.OpenAsync(Gateway, path, Ct))
        {
            await console.SendAsync(new byte[(64 * 1024) + 1]);
            await console.Closed.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, console.CloseStatus);
        }

        // ...and leaves it free: the next opener needs no force, and finds the guest's shell.
        await using (var console = await ConsoleWebSocket.OpenAsync(Gateway, path, Ct))
        {
            await console.WaitForShellAsync(Boot);
        }

        // A client that closes frees it too.
        await using (var again = await ConsoleWebSocket.OpenAsync(Gateway, path, Ct))
        {
            Assert.Equal("free", await again.RunAsync("echo free"));
        }
    }

    [Fact]
    public async Task A_vnc_console_speaks_rfb_up_to_a_framebuffer_update()
    {
        var guest = await CreateGuestAsync(BootableGuest(NewName("vnc")));
        // As noVNC opens it: the "binary" subprotocol is answered.
        await using var vnc = await ConsoleWebSocket.OpenAsync(Gateway, Guests($"/{guest.Id}/console?type=vnc"), Ct, "binary");
        Assert.Equal("binary", vnc.Socket.SubProtocol);
        var rfb = new RfbReader(vnc);

        Assert.Equal("RFB 003.008\n", Encoding.ASCII.GetString(await rfb.ReadAsync(12)));
        await vnc.SendAsync("RFB 003.008\n");
        var securityTypes = await rfb.ReadAsync((await rfb.ReadAsync(1))[0]);
        Assert.Contains((byte)1, securityTypes); // None: the gateway checked the caller, the console asks nothing more
        await vnc.SendAsync([1]);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(await rfb.ReadAsync(4)));

        await vnc.SendAsync([1]); // ClientInit, shared
        var init = await rfb.ReadAsync(24);
        var width = BinaryPrimitives.ReadUInt16BigEndian(init);
        var height = BinaryPrimitives.ReadUInt16BigEndian(init.AsSpan(2));
        Assert.True(width > 0 && height > 0, $"framebuffer {width}x{height}");
        await rfb.ReadAsync((int)BinaryPrimitives.ReadUInt32BigEndian(init.AsSpan(20))); // the desktop's name

        var request = new byte[10];
        request[0] = 3; // FramebufferUpdateRequest, not incremental, the whole screen
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), width);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(8), height);
        await vnc.SendAsync(request);
        Assert.Equal(0, (await rfb.ReadAsync(1))[0]); // FramebufferUpdate
    }

    [Fact]
    public async Task An_lxc_containers_console_runs_a_command()
    {
        var name = NewName("lxcon");
        var created = await SendAsync<Guest>(HttpMethod.Post, "/lxc/localhost/guests", new { name, memory = 64, rootfs = LxcRootfs.Path, init = "/bin/sh", start = true }, HttpStatusCode.Created);
        await using var console = await ConsoleWebSocket.OpenAsync(Gateway, $"/lxc/localhost/guests/{created.Id}/console", Ct);
        await console.WaitForShellAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("lxc-42", await console.RunAsync("echo lxc-$((6*7))"));

        // LXC has no graphical console.
        var vnc = await Assert.ThrowsAnyAsync<Exception>(() => ConsoleWebSocket.OpenAsync(Gateway, $"/lxc/localhost/guests/{created.Id}/console?type=vnc", Ct));
        Assert.Contains("501", vnc.Message, StringComparison.Ordinal);
    }

    private sealed record TicketBody(string Ticket, DateTimeOffset Expires);

    /// <summary>Reads the VNC console's bytes in order, waiting for as many as asked.</summary>
    private sealed class RfbReader(ConsoleWebSocket console)
    {
        private int _offset;

        public async Task<byte[]> ReadAsync(int count)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (console.Bytes.Length < _offset + count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the VNC console sent {console.Bytes.Length - _offset} of {count} bytes awaited");
                await Task.Delay(20);
            }

            var bytes = console.Bytes[_offset..(_offset + count)];
            _offset += count;
            return bytes;
        }
    }
}
