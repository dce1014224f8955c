extern alias XenSimulator;

using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Mvc.Testing;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// Consoles (API.md §10) on xen through the real gateway: the WebSocket carries the bytes of the
/// simulator's CONNECT /console tunnel, opened by the driver over TLS pinned like its XenAPI calls.
/// </summary>
public sealed class XenConsoleTests : XenGatewayTest
{
    [Fact]
    public async Task A_running_guests_vnc_console_speaks_rfb_up_to_a_framebuffer_update()
    {
        await using var vnc = await OpenAsync("web-01", "vnc");
        Assert.Equal("RFB 003.008\n", Encoding.ASCII.GetString(await vnc.ReadAsync(12)));
        await vnc.SendAsync("RFB 003.008\n"u8.ToArray());
        var securityTypes = await vnc.ReadAsync((await vnc.ReadAsync(1))[0]);
        Assert.Contains((byte)1, securityTypes);
        await vnc.SendAsync([1]);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(await vnc.ReadAsync(4)));
        await vnc.SendAsync([1]); // ClientInit, shared
        var init = await vnc.ReadAsync(24);
        var (width, height) = (BinaryPrimitives.ReadUInt16BigEndian(init), BinaryPrimitives.ReadUInt16BigEndian(init.AsSpan(2)));
        Assert.Equal("web-01", Encoding.UTF8.GetString(await vnc.ReadAsync((int)BinaryPrimitives.ReadUInt32BigEndian(init.AsSpan(20)))));

        var request = new byte[10];
        request[0] = 3; // FramebufferUpdateRequest, not incremental, the whole screen
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), width);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(8), height);
        await vnc.SendAsync(request);
        var update = await vnc.ReadAsync(16);
        Assert.Equal(0, update[0]); // FramebufferUpdate
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(update.AsSpan(2)));
        Assert.Equal(width, BinaryPrimitives.ReadUInt16BigEndian(update.AsSpan(8)));
        Assert.Equal(height, BinaryPrimitives.ReadUInt16BigEndian(update.AsSpan(10)));
        Assert.Equal(width * height * 4, (await vnc.ReadAsync(width * height * 4)).Length);
    }

    [Fact]
    public async Task A_pv_guests_serial_console_answers_a_typed_command()
    {
        using (var admin = new RawXenApi(Simulator))
        {
            var vm = await admin.VmAsync("build-01");
            await admin.CallAsync("VM.set_domain_type", vm, "pv");
            await admin.CallAsync("VM.start", vm, false, false);
            await admin.CallAsync("session.logout");
        }

        await using var serial = await OpenAsync("build-01", "serial");
        await serial.SendAsync("echo xen-$((6*7))\r"u8.ToArray());
        var answer = await serial.ReadUntilAsync("# ");
        Assert.Equal("echo xen-$((6*7))\r\nxen-$((6*7))\r\nroot@build-01:~# ", answer); // the simulated shell echoes without expanding
    }

    [Fact]
    public async Task An_hvm_guest_has_no_serial_console_a_halted_one_none_at_all_and_a_bad_type_is_refused()
    {
        var serial = await Assert.ThrowsAnyAsync<Exception>(() => OpenAsync("web-01", "serial"));
        Assert.Contains("501", serial.Message, StringComparison.Ordinal);

        var halted = await Assert.ThrowsAnyAsync<Exception>(() => OpenAsync("build-01", "vnc"));
        Assert.Contains("409", halted.Message, StringComparison.Ordinal);

        var badType = await Assert.ThrowsAnyAsync<Exception>(() => OpenAsync("web-01", "rdp"));
        Assert.Contains("400", badType.Message, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAnyAsync<Exception>(() => OpenAsync("no-such-guest", "vnc"));
        Assert.Contains("404", missing.Message, StringComparison.Ordinal);

        // Over plain HTTP the same route says why, as JSON (the WebSocket refusal above carries only the status).
        using var plain = await Client.GetAsync($"{Base}/guests/build-01/console?type=vnc", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode); // not a WebSocket request
    }

    [Fact]
    public async Task The_console_closes_cleanly_when_the_guest_stops_and_a_closed_one_can_be_opened_again()
    {
        await using (var first = await OpenAsync("web-01", "vnc"))
        {
            Assert.Equal("RFB 003.008\n", Encoding.ASCII.GetString(await first.ReadAsync(12)));
        }

        await using var vnc = await OpenAsync("web-01", "vnc");
        Assert.Equal("RFB 003.008\n", Encoding.ASCII.GetString(await vnc.ReadAsync(12)));
        using var stop = await Client.PutAsJsonAsync($"{Base}/guests/web-01/power", new { state = "force_stop" }, Ct);
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await vnc.ClosedAsync());
    }

    [Fact]
    public async Task A_console_on_a_member_host_is_opened_there_only_when_that_hosts_certificate_is_trusted()
    {
        // db-01 runs on the member 127.0.0.2, where its console's location points; the gateway pins only the master.
        var untrusted = await Assert.ThrowsAnyAsync<Exception>(() => OpenAsync("db-01", "vnc"));
        Assert.Contains("502", untrusted.Message, StringComparison.Ordinal);

        await using var pinned = XenGateway.Start(Simulator, new Dictionary<string, string?>
        {
            [$"Simplestack:XenApi:CertificatePins:127.0.0.2:{Simulator.Url.Port}"] = Simulator.CertificateSha256,
        });
        await using var vnc = await OpenAsync("db-01", "vnc", pinned);
        Assert.Equal("RFB 003.008\n", Encoding.ASCII.GetString(await vnc.ReadAsync(12)));
    }

    private async Task<ConsoleSocket> OpenAsync(string guest, string type, WebApplicationFactory<Program>? gateway = null)
    {
        var client = (gateway ?? Gateway).Server.CreateWebSocketClient();
        client.ConfigureRequest = request => request.Headers["x-simplestack-hypervisor-token"] = XenGateway.Token();
        var socket = await client.ConnectAsync(new Uri($"ws://localhost{Base}/guests/{guest}/console?type={type}"), Ct);
        return new ConsoleSocket(socket);
    }

    /// <summary>A console WebSocket read in order: binary messages joined into one byte stream.</summary>
    private sealed class ConsoleSocket(WebSocket socket) : IAsyncDisposable
    {
        private readonly List<byte> _pending = [];

        public Task SendAsync(byte[] bytes) => socket.SendAsync(bytes, WebSocketMessageType.Binary, endOfMessage: true, Ct);

        public async Task<byte[]> ReadAsync(int count)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            limit.CancelAfter(TimeSpan.FromSeconds(20));
            var buffer = new byte[64 * 1024];
            while (_pending.Count < count)
            {
                var received = await socket.ReceiveAsync(buffer, limit.Token);
                Assert.NotEqual(WebSocketMessageType.Close, received.MessageType);
                _pending.AddRange(buffer.AsSpan(0, received.Count));
            }
            var bytes = _pending.GetRange(0, count).ToArray();
            _pending.RemoveRange(0, count);
            return bytes;
        }

        public async Task<string> ReadUntilAsync(string end)
        {
            var text = new StringBuilder();
            while (!text.ToString().EndsWith(end, StringComparison.Ordinal))
            {
                text.Append((char)(await ReadAsync(1))[0]);
            }
            return text.ToString();
        }

        /// <summary>Reads to the end and returns how the server closed the WebSocket.</summary>
        public async Task<WebSocketCloseStatus?> ClosedAsync()
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            limit.CancelAfter(TimeSpan.FromSeconds(20));
            var buffer = new byte[64 * 1024];
            while ((await socket.ReceiveAsync(buffer, limit.Token)).MessageType != WebSocketMessageType.Close)
            {
            }
            return socket.CloseStatus;
        }

        /// <summary>Closes as a client leaving would (a close frame, not a dropped socket).</summary>
        public async ValueTask DisposeAsync()
        {
            try
            {
                if (socket.State == WebSocketState.Open)
                {
                    using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", limit.Token);
                }
            }
            catch (Exception error) when (error is WebSocketException or OperationCanceledException or IOException)
            {
            }
            socket.Dispose();
        }
    }
}
