using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.FileProviders;
using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.IntegrationTests;

/// <summary>
/// The real gateway (Program, in process) on the real libvirtd, driven over HTTP exactly as a
/// client would, plus a small web server of the test's own that serves the test guest's kernel
/// and initrd as an install tree (only reachable inside the substrate's network namespace).
/// Guests, networks and volumes a test makes are named <c>ss-*</c> and removed at its end.
/// </summary>
public abstract class GatewayOnQemu : IAsyncLifetime
{
    protected static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly List<string> _guests = [];
    private readonly List<string> _networks = [];
    private readonly List<string> _volumes = [];
    private readonly List<GuestConsole> _consoles = [];
    private WebApplicationFactory<Program>? _factory;
    private WebApplication? _installServer;
    private DirectoryInfo? _installTree;

    protected HttpClient Http { get; private set; } = null!;

    /// <summary>The in-process gateway, for what HttpClient cannot do (WebSockets).</summary>
    protected WebApplicationFactory<Program> Gateway => _factory!;

    protected LibvirtConnection Native { get; private set; } = null!;

    /// <summary>The URL of the install tree this test serves: the test guest's kernel as <c>linux</c>, its initrd as <c>initrd.gz</c>.</summary>
    protected string InstallLocation { get; private set; } = string.Empty;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Substrate.Require();
        Native = LibvirtConnection.Open(Substrate.QemuUri);
        await StartInstallServerAsync();
        _factory = NewGateway();
        Http = _factory.CreateClient();
        Http.Timeout = TimeSpan.FromMinutes(5);
    }

    /// <summary>
    /// A gateway of its own on the same libvirtd, with the same settings: nothing in memory shared
    /// with <see cref="Http"/>'s (its own connections, inventory and caches). The caller disposes it.
    /// </summary>
    protected WebApplicationFactory<Program> NewGateway() => new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
    {
        foreach (var (key, value) in GatewaySettings)
        {
            web.UseSetting(key, value);
        }
    });

    /// <summary>The settings every gateway of these tests runs with (in process or as a process of its own).</summary>
    protected IReadOnlyDictionary<string, string> GatewaySettings => new Dictionary<string, string>
    {
        ["Simplestack:Libvirt:DefaultDomainType"] = "qemu",
        ["Simplestack:Libvirt:DefaultStoragePool"] = Substrate.Pool,
        ["Simplestack:Libvirt:InstallLocationPrefixes:0"] = InstallLocation,
        ["Simplestack:Libvirt:RootfsDirectories:0"] = LxcRootfs.Folder,
    };

    private async Task StartInstallServerAsync()
    {
        var tree = _installTree = Directory.CreateTempSubdirectory("simplestack-install-");
        File.Copy(Path.Combine(Substrate.GuestDirectory, "vmlinuz"), Path.Combine(tree.FullName, "linux"));
        File.Copy(Path.Combine(Substrate.GuestDirectory, "initrd.img"), Path.Combine(tree.FullName, "initrd.gz"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _installServer = builder.Build();
        _installServer.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(tree.FullName),
            RequestPath = "/install",
            ServeUnknownFileTypes = true,
        });
        await _installServer.StartAsync(Ct);
        InstallLocation = _installServer.Urls.First().TrimEnd('/') + "/install/";
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        foreach (var console in _consoles)
        {
            console.Dispose();
        }

        if (Native is not null)
        {
            Cleanup();
            Native.Dispose();
        }

        Http?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        if (_installServer is not null)
        {
            await _installServer.DisposeAsync();
        }

        // A copy of the guest's kernel and initrd (~20 MB) per test: never left in /tmp.
        _installTree?.Delete(recursive: true);
    }

    private void Cleanup()
    {
        foreach (var name in _guests)
        {
            using var domain = Native.TryLookupDomainByName(name);
            if (domain is null)
            {
                continue;
            }

            if (domain.IsActive)
            {
                domain.Destroy();
            }

            foreach (var snapshot in domain.ListAllSnapshots())
            {
                using (snapshot)
                {
                    snapshot.Delete(2); // VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY: the volumes go next
                }
            }

            var volumes = Simplestack.Drivers.Libvirt.Xml.DomainDescription.Parse(domain.GetXmlDesc(DomainXmlFlags.Inactive)).Disks
                .Where(d => d.Device == "disk" && d.SourcePath is not null).Select(d => d.SourcePath!).ToList();
            domain.Undefine(DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata | DomainUndefineFlags.Nvram);
            _volumes.AddRange(volumes);
        }

        CleanupContainers();

        foreach (var name in _networks)
        {
            using var network = Native.TryLookupNetworkByName(name);
            if (network is null)
            {
                continue;
            }

            if (network.IsActive)
            {
                network.Destroy();
            }

            network.Undefine();
        }

        using var pool = Native.TryLookupStoragePoolByName(Substrate.Pool);
        if (pool is not null)
        {
            Substrate.TryRefresh(pool);
        }

        foreach (var volume in pool?.ListAllVolumes() ?? [])
        {
            using (volume)
            {
                if (_volumes.Contains(volume.Path) || _guests.Any(g => volume.Name.StartsWith(g + "-", StringComparison.Ordinal)))
                {
                    volume.Delete();
                }
            }
        }
    }

    /// <summary>LXC containers made under this test's names (lxc:///, a hypervisor of its own): a failed test leaves them otherwise.</summary>
    private void CleanupContainers()
    {
        LibvirtConnection lxc;
        try
        {
            lxc = LibvirtConnection.Open(Substrate.LxcUri);
        }
        catch (LibvirtException)
        {
            return; // no LXC driver here: the test made no container
        }

        using (lxc)
        {
            foreach (var name in _guests)
            {
                using var domain = lxc.TryLookupDomainByName(name);
                if (domain is null)
                {
                    continue;
                }

                if (domain.IsActive)
                {
                    domain.Destroy();
                }

                domain.Undefine();
            }
        }
    }

    protected string NewName(string prefix)
    {
        var name = $"ss-{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 12)];
        _guests.Add(name);
        _networks.Add(name);
        return name;
    }

    protected void TrackVolume(string path) => _volumes.Add(path);

    /// <summary>No guest named <paramref name="name"/> and no volume whose name starts with it in the test pool (a refused import made nothing).</summary>
    protected void AssertNothingLeftNamed(string name)
    {
        using (var domain = Native.TryLookupDomainByName(name))
        {
            Assert.Null(domain);
        }

        using var pool = Native.TryLookupStoragePoolByName(Substrate.Pool)!;
        Substrate.TryRefresh(pool);
        Assert.DoesNotContain(pool.ListAllVolumes().Select(v => { using (v) { return v.Name; } }), v => v.StartsWith(name, StringComparison.Ordinal));
    }

    protected static string Guests(string rest = "") => "/kvm/localhost/guests" + rest;

    /// <summary>A body that boots the test guest from its ISO, on the NAT network.</summary>
    protected static object BootableGuest(string name, int diskCount = 1, bool start = true) => new
    {
        name,
        memory = 256,
        cpus = 1,
        cdrom = Substrate.GuestIsoVolume,
        disks = Enumerable.Range(0, diskCount).Select(_ => new { size = 1 }).ToArray(),
        network_interfaces = new[] { new { network = Substrate.NatNetwork } },
        start,
    };

    protected async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var response = await SendAsync(method, path, body);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{method} {path} answered {(int)response.StatusCode}, not {(int)expected}: {text}");
        return JsonSerializer.Deserialize<T>(text, Json)!;
    }

    protected async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: Json) };
        return await Http.SendAsync(request, Ct);
    }

    protected async Task ExpectAsync(HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var response = await SendAsync(method, path, body);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{method} {path} answered {(int)response.StatusCode}, not {(int)expected}: {text}");
    }

    protected Task<Guest> CreateGuestAsync(object body) => SendAsync<Guest>(HttpMethod.Post, Guests(), body, HttpStatusCode.Created);

    protected Task<Guest> GetGuestAsync(string id) => SendAsync<Guest>(HttpMethod.Get, Guests("/" + id), null, HttpStatusCode.OK);

    /// <summary>Opens the guest's console and waits for the test guest's ready marker.</summary>
    protected async Task<GuestConsole> ConsoleWhenReadyAsync(string name, string uri = Substrate.QemuUri, string marker = Substrate.ReadyMarker)
    {
        var console = new GuestConsole(uri, name);
        _consoles.Add(console);
        await console.WaitForReadyAsync(marker, TimeSpan.FromSeconds(180));
        return console;
    }

    protected async Task WaitForStateAsync(string id, GuestState state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while ((await GetGuestAsync(id)).State != state)
        {
            Assert.True(DateTime.UtcNow < deadline, $"guest {id} did not become {state} within {timeout.TotalSeconds} s");
            await Task.Delay(250, Ct);
        }
    }

    /// <summary>Makes a small ISO holding one file and puts it into the pool; returns the volume name.</summary>
    protected string CreateMarkerIso(string text)
    {
        var name = NewName("iso") + ".iso";
        var folder = Directory.CreateTempSubdirectory("simplestack-iso-");
        File.WriteAllText(Path.Combine(folder.FullName, "marker.txt"), text);
        var iso = Path.Combine(folder.FullName, "marker.iso");
        using (var process = System.Diagnostics.Process.Start("genisoimage", ["-quiet", "-o", iso, "-V", "MARKER", "-r", Path.Combine(folder.FullName, "marker.txt")])!)
        {
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
        }

        using var pool = Native.TryLookupStoragePoolByName(Substrate.Pool)!;
        using (var file = File.OpenRead(iso))
        using (var volume = Substrate.UploadVolume(pool, name, file))
        {
            TrackVolume(volume.Path);
        }

        folder.Delete(recursive: true);
        return name;
    }
}
