using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.IntegrationTests;

/// <summary>Install from a location, export/import with two disks, and the staging agent, on real QEMU.</summary>
public sealed class ProvisioningTests : GatewayOnQemu
{
    [Fact]
    public async Task An_install_runs_the_installer_once_and_the_guest_then_boots_from_disk()
    {
        var name = NewName("inst");
        var guest = await CreateGuestAsync(new
        {
            name,
            memory = 256,
            disks = new[] { new { size = 1 } },
            network_interfaces = new[] { new { network = Substrate.NatNetwork } },
            install = new { location = InstallLocation, cmdline = "console=ttyS0" },
        });
        Assert.Equal(GuestState.STARTED, guest.State);

        using (var domain = Native.TryLookupDomainByName(name)!)
        {
            Assert.Contains("<kernel>", domain.GetXmlDesc(), StringComparison.Ordinal);
            Assert.Contains("<on_reboot>destroy</on_reboot>", domain.GetXmlDesc(), StringComparison.Ordinal);
            var persistent = domain.GetXmlDesc(DomainXmlFlags.Inactive);
            Assert.DoesNotContain("<kernel>", persistent, StringComparison.Ordinal);
            Assert.Contains("<on_reboot>restart</on_reboot>", persistent, StringComparison.Ordinal);
        }

        // The "installer" (the test guest's own kernel and initrd) boots, then reboots: the domain stops.
        var console = await ConsoleWhenReadyAsync(name);
        console.Send("reboot -f\n");
        await WaitForStateAsync(guest.Id, GuestState.STOPPED, TimeSpan.FromSeconds(60));

        // The next start is the installed system: from disk, no installer kernel.
        await SendAsync<ActionResult>(HttpMethod.Put, Guests($"/{guest.Id}/power"), new { state = "start" }, HttpStatusCode.OK);
        using var started = Native.TryLookupDomainByName(name)!;
        Assert.True(started.IsActive);
        Assert.DoesNotContain("<kernel>", started.GetXmlDesc(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_install_location_outside_the_allowed_prefixes_is_refused_with_403_and_nothing_made()
    {
        var name = NewName("deny");
        await ExpectAsync(HttpMethod.Post, Guests(), new { name, memory = 128, disks = new[] { new { size = 1 } }, install = new { location = "http://127.0.0.2:9/x/" } }, HttpStatusCode.Forbidden);
        using var domain = Native.TryLookupDomainByName(name);
        Assert.Null(domain);
    }

    [Fact]
    public async Task Export_delete_import_gives_back_a_guest_whose_two_disks_have_the_same_content()
    {
        var name = NewName("exp");
        var guest = await CreateGuestAsync(BootableGuest(name, diskCount: 2));
        var console = await ConsoleWhenReadyAsync(name);
        await console.RunAsync("printf hello-vda | dd of=/dev/vda conv=notrunc 2>/dev/null; printf hello-vdb | dd of=/dev/vdb conv=notrunc 2>/dev/null; sync");
        await SendAsync<ActionResult>(HttpMethod.Put, Guests($"/{guest.Id}/power?wait=60"), new { state = "stop" }, HttpStatusCode.OK);

        // A running guest cannot be exported; a stopped one streams with its length known.
        var first = await ExportAsync(guest.Id);
        var digests = Digests(first);
        Assert.Equal(["vda", "vdb"], digests.Keys.Order(StringComparer.Ordinal));

        await ExpectAsync(HttpMethod.Delete, Guests($"/{guest.Id}"), null, HttpStatusCode.NoContent);
        using (var gone = Native.TryLookupDomainByName(name))
        {
            Assert.Null(gone);
        }

        // The original Ruby client labels its import stream application/json: the body decides.
        using var body = new StreamContent(File.OpenRead(first));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var imported = await Http.PostAsync(Guests(), body, Ct);
        var importedText = await imported.Content.ReadAsStringAsync(Ct);
        Assert.True(imported.StatusCode == HttpStatusCode.Created, importedText);
        var back = JsonSerializer.Deserialize<Guest>(importedText, Json)!;
        Assert.Equal(name, back.Name);

        var second = await ExportAsync(back.Id);
        Assert.Equal(digests, Digests(second));

        await SendAsync<ActionResult>(HttpMethod.Put, Guests($"/{back.Id}/power"), new { state = "start" }, HttpStatusCode.OK);
        var again = await ConsoleWhenReadyAsync(name);
        Assert.Contains("hello-vda", await again.RunAsync("head -c 9 /dev/vda; echo"), StringComparison.Ordinal);
        Assert.Contains("hello-vdb", await again.RunAsync("head -c 9 /dev/vdb; echo"), StringComparison.Ordinal);
        File.Delete(first);
        File.Delete(second);
    }

    [Fact]
    public async Task An_archive_with_a_wrong_checksum_is_refused_and_leaves_no_volume()
    {
        var name = NewName("bad");
        var guest = await CreateGuestAsync(BootableGuest(name, start: false));
        var archive = await ExportAsync(guest.Id);
        await ExpectAsync(HttpMethod.Delete, Guests($"/{guest.Id}"), null, HttpStatusCode.NoContent);

        // Flip one byte inside the first disk's data (after domain.xml's entry and the disk's header).
        var bytes = await File.ReadAllBytesAsync(archive, Ct);
        var xmlLength = Convert.ToInt64(System.Text.Encoding.ASCII.GetString(bytes, 124, 11), 8);
        var diskData = 512 + ((xmlLength + 511) / 512 * 512) + 512;
        bytes[diskData + 100] ^= 0xFF;
        using var body = new ByteArrayContent(bytes);
        using var response = await Http.PostAsync(Guests(), body, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("checksum", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        AssertNothingLeftNamed(name);
        File.Delete(archive);
    }

    [Fact]
    public async Task The_staging_agent_makes_hosts_with_scsi_disks_and_vlan_networks()
    {
        var host = NewName("agent");
        var created = await SendAsync(HttpMethod.Post, $"/host/{host}/", new
        {
            memory = 256,
            disks = new[] { 1, 1 },
            networks = new[] { Substrate.NatNetwork },
            install = true,
            location = InstallLocation,
            console = true,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Get, $"/host/{host}/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/host/{host}-none/")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"/host/{host}/", new { memory = 256, disks = new[] { 1 }, networks = new[] { Substrate.NatNetwork } })).StatusCode);

        // Inside: the disks are on virtio-scsi, so the guest names them sdX.
        var console = await ConsoleWhenReadyAsync(host);
        var blocks = await console.RunAsync("ls /sys/block");
        Assert.Contains("sda", blocks, StringComparison.Ordinal);
        Assert.Contains("sdb", blocks, StringComparison.Ordinal);
        Assert.DoesNotContain("vda", blocks, StringComparison.Ordinal);

        var network = NewName("avl");
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/host/{host}/network/{network}/")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, $"/host/{host}/network/{network}/", new { bridge = Substrate.OvsBridge, vlan = 30 })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Get, $"/host/{host}/network/{network}/")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"/host/{host}/network/{network}/", new { bridge = Substrate.OvsBridge, vlan = 30 })).StatusCode);
        using var defined = Native.TryLookupNetworkByName(network)!;
        Assert.True(defined.IsActive && defined.IsPersistent && defined.Autostart);
        Assert.Contains("<tag id='30'/>", defined.GetXmlDesc(), StringComparison.Ordinal);
    }

    private async Task<string> ExportAsync(string id)
    {
        using var response = await Http.GetAsync(Guests($"/{id}/export"), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = Path.GetTempFileName();
        await using (var output = File.Create(file))
        {
            await response.Content.CopyToAsync(output, Ct);
        }

        Assert.Equal(response.Content.Headers.ContentLength, new FileInfo(file).Length);
        return file;
    }

    /// <summary>The disks' SHA-256 digests from the archive's manifest.</summary>
    private static Dictionary<string, string> Digests(string archive)
    {
        using var reader = new TarReader(File.OpenRead(archive));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.Name == "manifest.json")
            {
                using var manifest = JsonDocument.Parse(entry.DataStream!);
                return manifest.RootElement.GetProperty("disks").EnumerateArray()
                    .ToDictionary(d => d.GetProperty("device").GetString()!, d => d.GetProperty("sha256").GetString()!);
            }
        }

        throw new InvalidOperationException("The archive has no manifest.json.");
    }
}
