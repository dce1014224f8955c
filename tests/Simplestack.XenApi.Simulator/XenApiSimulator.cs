using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Simplestack.XenApi.Simulator.Hosting;
using Simplestack.XenApi.Simulator.Protocol;
using Simplestack.XenApi.Simulator.Semantics;

namespace Simplestack.XenApi.Simulator;

/// <summary>
/// A XenAPI pool master (and one member) served in-process over HTTPS on loopback, for tests of
/// other projects. Its inspection methods read the simulated pool directly, so a test can check
/// what a client did without going through that client.
/// </summary>
public sealed class XenApiSimulator : IAsyncDisposable
{
    private readonly SimulatorState _state;
    private readonly PauseGate _gate;
    private readonly List<WebApplication> _apps;
    private readonly byte[] _pkcs12;

    private XenApiSimulator(SimulatorState state, PauseGate gate, List<WebApplication> apps, Uri url, Uri? slaveUrl, Uri? httpUrl, string sha256, byte[] pkcs12)
    {
        (_state, _gate, _apps, Url, SlaveUrl, HttpUrl, CertificateSha256, _pkcs12) = (state, gate, apps, url, slaveUrl, httpUrl, sha256, pkcs12);
    }

    /// <summary>The master: https://127.0.0.1:PORT/ (JSON-RPC at /jsonrpc, XML-RPC at /).</summary>
    public Uri Url { get; }

    /// <summary>The pool member at https://127.0.0.2:PORT/, which answers every login with HOST_IS_SLAVE ["127.0.0.1"].</summary>
    public Uri? SlaveUrl { get; }

    /// <summary>The master over plain HTTP, when <see cref="SimulatorOptions.HttpPort"/> is set.</summary>
    public Uri? HttpUrl { get; }

    /// <summary>SHA-256 of the server certificate (DER), upper-case hex, for pinning.</summary>
    public string CertificateSha256 { get; }

    /// <summary>The server certificate and its key as PKCS#12 (no password), for <see cref="SimulatorOptions.CertificatePkcs12"/>.</summary>
    public byte[] CertificatePkcs12 => (byte[])_pkcs12.Clone();

    /// <summary>Sessions logged in and neither logged out nor expired.</summary>
    public int OpenSessions { get { lock (_state.Store.Sync) { return _state.Sessions.Open; } } }

    /// <summary>Sessions made since start.</summary>
    public long SessionsCreated { get { lock (_state.Store.Sync) { return _state.Sessions.Created; } } }

    /// <summary>The refs (OpaqueRef:...) of every session made since start, open or not: secrets a client must never show.</summary>
    public IReadOnlyList<string> SessionRefs { get { lock (_state.Store.Sync) { return _state.Sessions.Made; } } }

    /// <summary>Open sessions by the originator given at login ("" when none was).</summary>
    public IReadOnlyDictionary<string, int> OpenSessionsByOriginator { get { lock (_state.Store.Sync) { return _state.Sessions.OpenByOriginator; } } }

    public static async Task<XenApiSimulator> StartAsync(SimulatorOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var state = new SimulatorState(options);
        lock (state.Store.Sync)
        {
            InitialState.Build(state);
        }
        var dispatcher = new Dispatcher(state);
        var gate = new PauseGate();
        using var certificate = options.CertificatePkcs12 is { } given ? X509CertificateLoader.LoadPkcs12(given, null) : SelfSignedCertificate();
        var pkcs12 = certificate.Export(X509ContentType.Pkcs12);
        var sha256 = Convert.ToHexString(SHA256.HashData(certificate.RawData));
        var apps = new List<WebApplication>();
        try
        {
            var master = Build(state, dispatcher, gate, onSlave: false, pkcs12, IPAddress.Loopback, options.Port, options.HttpPort);
            apps.Add(master);
            await master.StartAsync(cancellation).ConfigureAwait(false);
            var addresses = master.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
                .Select(a => new Uri(a)).ToList();
            var url = new Uri($"https://127.0.0.1:{addresses.First(a => a.Scheme == "https").Port}/");
            lock (state.Store.Sync)
            {
                ConsoleObjects.Relocate(state, url.Port);
            }
            var http = addresses.FirstOrDefault(a => a.Scheme == "http") is { } h ? new Uri($"http://127.0.0.1:{h.Port}/") : null;
            Uri? slaveUrl = null;
            if (options.SlaveListener)
            {
                // A member has its own address: the same port on 127.0.0.2, so a client that
                // follows HOST_IS_SLAVE by changing only the host name reaches the master.
                var slave = Build(state, dispatcher, gate, onSlave: true, pkcs12, IPAddress.Parse("127.0.0.2"), url.Port, null);
                apps.Add(slave);
                await slave.StartAsync(cancellation).ConfigureAwait(false);
                slaveUrl = new Uri($"https://127.0.0.2:{url.Port}/");
            }
            return new XenApiSimulator(state, gate, apps, url, slaveUrl, http, sha256, pkcs12);
        }
        catch
        {
            foreach (var app in apps)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
    }

    /// <summary>Makes every session invalid at once, as a xapi restart would.</summary>
    public void ExpireSessions()
    {
        lock (_state.Store.Sync)
        {
            _state.Sessions.ExpireAll();
        }
    }

    /// <summary>Stops answering: requests hang (connections stay open) until <see cref="Resume"/>.</summary>
    public void Pause() => _gate.Pause();

    public void Resume() => _gate.Resume();

    /// <summary>A copy of one object's record by uuid or ref; null when there is no such object.</summary>
    public IReadOnlyDictionary<string, object?>? Record(string cls, string uuidOrRef)
    {
        lock (_state.Store.Sync)
        {
            var reference = _state.Store.Exists(cls, uuidOrRef) ? uuidOrRef
                : _state.Store.FindByUuid(uuidOrRef) is { } found && found.Class == cls ? found.Ref : null;
            return reference is null ? null : Wire.AsMap(Wire.Copy(_state.Store.Get(cls, reference)));
        }
    }

    /// <summary>The uuids of the objects of a class with this name_label.</summary>
    public IReadOnlyList<string> FindByNameLabel(string cls, string nameLabel)
    {
        lock (_state.Store.Sync)
        {
            return _state.Store.All(cls).Where(o => (string?)o.Record.GetValueOrDefault("name_label") == nameLabel)
                .Select(o => (string)o.Record["uuid"]!).ToList();
        }
    }

    /// <summary>The uuids of every object of a class.</summary>
    public IReadOnlyList<string> Uuids(string cls)
    {
        lock (_state.Store.Sync)
        {
            return _state.Store.All(cls).Select(o => (string)o.Record["uuid"]!).ToList();
        }
    }

    /// <summary>
    /// Puts an ISO of <paramref name="bytes"/> into the ISO library SR, as an ISO file copied into
    /// its folder followed by an SR.scan would, and returns the new VDI's uuid.
    /// </summary>
    public string AddIso(string name, long bytes)
    {
        lock (_state.Store.Sync)
        {
            var store = _state.Store;
            var isoSr = store.All("SR").First(sr => (string?)sr.Record["content_type"] == "iso").Ref;
            var c = new CallContext(_state, "", "SR", "scan", []);
            var vdi = StorageMessages.CreateVdi(c, isoSr, name, bytes, "user");
            store.Get("VDI", vdi)["read_only"] = true;
            return (string)store.Get("VDI", vdi)["uuid"]!;
        }
    }

    /// <summary>Removes a VDI by uuid, as an administrator would (its detached VBDs go with it); nothing when it is gone.</summary>
    public void RemoveVdi(string uuid)
    {
        lock (_state.Store.Sync)
        {
            if (_state.Store.FindByUuid(uuid) is { Class: "VDI" } found)
            {
                StorageMessages.DestroyVdi(new CallContext(_state, "", "VDI", "destroy", []), found.Ref);
            }
        }
    }

    /// <summary>Adds an empty local SR (type ext, plugged on every host) of <paramref name="bytes"/>, as an administrator would; returns its uuid.</summary>
    public string AddSr(string name, long bytes)
    {
        lock (_state.Store.Sync)
        {
            var store = _state.Store;
            var sr = store.Create("SR", new()
            {
                ["name_label"] = name, ["type"] = "ext", ["content_type"] = "user", ["physical_size"] = bytes, ["shared"] = false,
            });
            foreach (var host in store.All("host").Select(h => h.Ref).ToList())
            {
                store.Create("PBD", new() { ["SR"] = sr, ["host"] = host, ["currently_attached"] = true });
            }
            return (string)store.Get("SR", sr)["uuid"]!;
        }
    }

    /// <summary>
    /// Writes bytes into a VDI (by uuid) at an offset, as a guest would; the VDI keeps only the
    /// 1 MiB blocks that hold data. ArgumentException past virtual_size or for an unknown VDI.
    /// </summary>
    public void WriteVdi(string uuid, long offset, ReadOnlySpan<byte> bytes)
    {
        lock (_state.Store.Sync)
        {
            var (reference, size) = Vdi(uuid);
            if (offset < 0 || offset + bytes.Length > size)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), $"VDI {uuid} holds {size} bytes");
            }
            _state.Disks.Write(reference, offset, bytes);
        }
    }

    /// <summary>Reads <paramref name="count"/> bytes of a VDI (by uuid) from an offset; never-written bytes are zeros.</summary>
    public byte[] ReadVdi(string uuid, long offset, int count)
    {
        lock (_state.Store.Sync)
        {
            var (reference, size) = Vdi(uuid);
            if (offset < 0 || count < 0 || offset + count > size)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), $"VDI {uuid} holds {size} bytes");
            }
            return _state.Disks.Read(reference, offset, count);
        }
    }

    /// <summary>The indexes of a VDI's 1 MiB blocks that hold a non-zero byte, in order; every other block reads as zeros.</summary>
    public IReadOnlyList<long> VdiBlocksWritten(string uuid)
    {
        lock (_state.Store.Sync)
        {
            return _state.Disks.Written(Vdi(uuid).Ref);
        }
    }

    private (string Ref, long Size) Vdi(string uuid)
    {
        if (_state.Store.FindByUuid(uuid) is not { Class: "VDI" } found)
        {
            throw new ArgumentException("no VDI has uuid " + uuid, nameof(uuid));
        }
        return (found.Ref, (long)_state.Store.Get("VDI", found.Ref)["virtual_size"]!);
    }

    /// <summary>How many calls of <paramref name="method"/> (e.g. <c>VM.get_all_records</c>) any client made since start.</summary>
    public long Calls(string method) => _state.Calls(method);

    public async ValueTask DisposeAsync()
    {
        _state.Stop();
        _gate.Resume();
        foreach (var app in _apps)
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static WebApplication Build(SimulatorState state, Dispatcher dispatcher, PauseGate gate, bool onSlave, byte[] pkcs12,
        IPAddress address, int port, int? httpPort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, port, listen =>
            {
                listen.UseHttps(X509CertificateLoader.LoadPkcs12(pkcs12, null));
                listen.Use(ConsoleTunnel.Middleware(state)); // after TLS: it reads the decrypted request
            });
            if (httpPort is { } plain)
            {
                kestrel.Listen(address, plain);
            }
        });
        var app = builder.Build();
        Endpoints.Map(app, state, dispatcher, gate, onSlave);
        return app;
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=xapi-simulator", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.Parse("127.0.0.2"));
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }
}
