using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Simplestack.XenApi.Simulator.Tests;

/// <summary>Console objects and CONNECT /console as xapi's console.ml serves them, spoken to over a raw TLS socket.</summary>
public sealed class ConsoleTests : IAsyncLifetime
{
    private XenApiSimulator _simulator = null!;
    private Rpc _rpc = null!;
    private string _session = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _simulator = await XenApiSimulator.StartAsync(new SimulatorOptions { SlaveListener = false }, Ct);
        _rpc = new Rpc(_simulator);
        _session = await _rpc.LoginAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _rpc.Dispose();
        await _simulator.DisposeAsync();
    }

    private async Task<string> VmAsync(string name) => (await _rpc.ResultAsync("VM.get_by_name_label", _session, name))![0]!.GetValue<string>();

    private async Task<Dictionary<string, string>> ConsolesAsync(string vm)
    {
        var consoles = new Dictionary<string, string>();
        foreach (var console in (await _rpc.ResultAsync("VM.get_consoles", _session, vm))!.AsArray())
        {
            var record = (await _rpc.ResultAsync("console.get_record", _session, console!.GetValue<string>()))!;
            Assert.Equal(vm, record["VM"]!.GetValue<string>());
            consoles[record["protocol"]!.GetValue<string>()] = record["location"]!.GetValue<string>();
        }
        return consoles;
    }

    [Fact]
    public async Task A_running_hvm_guest_has_an_rfb_console_on_its_host_and_a_halted_one_none_until_it_starts()
    {
        var web = await ConsolesAsync(await VmAsync("web-01"));
        Assert.Equal(["rfb"], web.Keys);
        Assert.StartsWith($"https://127.0.0.1:{_simulator.Url.Port}/console?ref=OpaqueRef:", web["rfb"]);
        // A VM on the member host has its console there (xapi proxies only to its own host's consoles).
        Assert.StartsWith($"https://127.0.0.2:{_simulator.Url.Port}/console?ref=OpaqueRef:", (await ConsolesAsync(await VmAsync("db-01")))["rfb"]);

        var build = await VmAsync("build-01");
        Assert.Empty(await ConsolesAsync(build));
        await _rpc.ResultAsync("VM.start", _session, build, false, false);
        Assert.Equal(["rfb"], (await ConsolesAsync(build)).Keys);
        await _rpc.ResultAsync("VM.hard_shutdown", _session, build);
        Assert.Empty(await ConsolesAsync(build));
        var all = (await _rpc.ResultAsync("console.get_all_records", _session))!.AsObject();
        Assert.DoesNotContain(all, c => c.Value!["VM"]!.GetValue<string>() == build);
    }

    [Fact]
    public async Task The_rfb_console_speaks_rfb_3_8_and_answers_an_update_request_with_the_whole_screen()
    {
        var location = new Uri((await ConsolesAsync(await VmAsync("web-01")))["rfb"]);
        var (status, stream) = await ConnectAsync(location, _session);
        await using var _ = stream;
        Assert.Equal(200, status);

        Assert.Equal("RFB 003.008\n", Encoding.ASCII.GetString(await ReadAsync(stream, 12)));
        await stream.WriteAsync("RFB 003.008\n"u8.ToArray(), Ct);
        Assert.Equal([1, 1], await ReadAsync(stream, 2)); // one security type: None
        await stream.WriteAsync(new byte[] { 1 }, Ct);
        Assert.Equal([0, 0, 0, 0], await ReadAsync(stream, 4));
        await stream.WriteAsync(new byte[] { 1 }, Ct); // ClientInit, shared
        var init = await ReadAsync(stream, 24);
        var (width, height) = (BinaryPrimitives.ReadUInt16BigEndian(init), BinaryPrimitives.ReadUInt16BigEndian(init.AsSpan(2)));
        Assert.Equal(32, init[4]);
        Assert.Equal("web-01", Encoding.UTF8.GetString(await ReadAsync(stream, (int)BinaryPrimitives.ReadUInt32BigEndian(init.AsSpan(20)))));

        var request = new byte[10];
        request[0] = 3; // FramebufferUpdateRequest, not incremental, the whole screen
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), width);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(8), height);
        await stream.WriteAsync(request, Ct);
        var update = await ReadAsync(stream, 16);
        Assert.Equal(0, update[0]); // FramebufferUpdate
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(update.AsSpan(2)));
        Assert.Equal(width, BinaryPrimitives.ReadUInt16BigEndian(update.AsSpan(8)));
        Assert.Equal(height, BinaryPrimitives.ReadUInt16BigEndian(update.AsSpan(10)));
        Assert.Equal(0, BinaryPrimitives.ReadInt32BigEndian(update.AsSpan(12))); // Raw
        await ReadAsync(stream, width * height * 4);
    }

    [Fact]
    public async Task A_pv_guest_also_has_a_vt100_console_that_echoes_and_answers_a_typed_line()
    {
        var build = await VmAsync("build-01");
        await _rpc.ResultAsync("VM.set_domain_type", _session, build, "pv");
        await _rpc.ResultAsync("VM.start", _session, build, false, false);
        var consoles = await ConsolesAsync(build);
        Assert.Equal(["rfb", "vt100"], consoles.Keys.Order());

        var (status, stream) = await ConnectAsync(new Uri(consoles["vt100"]), _session);
        await using var _ = stream;
        Assert.Equal(200, status);
        await stream.WriteAsync("echo hello console\r"u8.ToArray(), Ct);
        Assert.Equal("echo hello console\r\nhello console\r\nroot@build-01:~# ", await ReadUntilAsync(stream, "# "));
        await stream.WriteAsync("hostname\r"u8.ToArray(), Ct);
        Assert.Equal("hostname\r\nbuild-01\r\nroot@build-01:~# ", await ReadUntilAsync(stream, "# "));
    }

    [Fact]
    public async Task A_bad_session_is_401_and_an_unknown_ref_404_and_a_vm_ref_opens_its_rfb_console()
    {
        var location = new Uri((await ConsolesAsync(await VmAsync("web-01")))["rfb"]);
        var (status, stream) = await ConnectAsync(location, "OpaqueRef:00000000-0000-0000-0000-000000000000");
        await stream.DisposeAsync();
        Assert.Equal(401, status);

        (status, stream) = await ConnectAsync(new Uri(_simulator.Url, "console?ref=OpaqueRef:nothing"), _session);
        await stream.DisposeAsync();
        Assert.Equal(404, status);

        (status, stream) = await ConnectAsync(new Uri(_simulator.Url, "console?ref=" + await VmAsync("web-01")), _session);
        await using var _ = stream;
        Assert.Equal(200, status);
        Assert.Equal("RFB 003.008\n", Encoding.ASCII.GetString(await ReadAsync(stream, 12)));
    }

    /// <summary>TLS to the location pinned to the simulator's certificate, CONNECT with the session, and the status of the answer.</summary>
    private async Task<(int Status, Stream Stream)> ConnectAsync(Uri location, string session)
    {
        var client = new TcpClient();
        await client.ConnectAsync(location.Host, location.Port, Ct);
        var tls = new SslStream(client.GetStream(), false,
            (_, certificate, _, _) => certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())) == _simulator.CertificateSha256);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = location.Host }, Ct);
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"CONNECT {location.PathAndQuery}&session_id={session} HTTP/1.0\r\nHost: {location.Authority}\r\n\r\n"), Ct);
        var head = await ReadUntilAsync(tls, "\r\n\r\n");
        return (int.Parse(head.Split(' ')[1]), tls);
    }

    private static async Task<byte[]> ReadAsync(Stream stream, int count)
    {
        var bytes = new byte[count];
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        await stream.ReadExactlyAsync(bytes, limit.Token);
        return bytes;
    }

    private static async Task<string> ReadUntilAsync(Stream stream, string end)
    {
        var text = new StringBuilder();
        while (!text.ToString().EndsWith(end, StringComparison.Ordinal))
        {
            text.Append((char)(await ReadAsync(stream, 1))[0]);
        }
        return text.ToString();
    }
}
