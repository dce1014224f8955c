using System.Formats.Tar;
using System.Text;
using System.Text.Json.Nodes;
using Simplestack.Core;
using Simplestack.Core.Transfer;
using Simplestack.Drivers.Libvirt.Transfer;

namespace Simplestack.Drivers.Libvirt.Tests.Transfer;

/// <summary>
/// Export and import on libvirt's test driver, in process. The test driver cannot stream volumes,
/// so these archives have no disks; archives with disks go through real QEMU in the integration
/// tests (ProvisioningTests).
/// </summary>
public sealed class ArchiveImportTests : IAsyncLifetime
{
    private IHypervisorConnection _connection = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IGuestTransfer Transfer => _connection.Require<IGuestTransfer>();

    public async ValueTask InitializeAsync()
        => _connection = await LibvirtDriver.Test(new LibvirtDriverOptions()).ConnectAsync(new HypervisorTarget("test", "default"), null, Ct);

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task An_export_carries_a_neutral_manifest_beside_domain_xml_and_imports_back()
    {
        var guest = await _connection.Require<IGuestManagement>().CreateGuestAsync(
            new GuestCreateRequest("ss-neutral", 256, Cpus: 2, NetworkInterfaces: [new NicSpec("default")]), Ct);
        await _connection.Require<ITagManagement>().AddTagAsync(guest.Id, "exported", Ct);
        var archive = await ExportAsync(guest.Id);

        var entries = Entries(archive);
        Assert.Equal(["domain.xml", "manifest.json"], entries.Keys);
        var manifest = GuestManifestJson.Parse(entries["manifest.json"]);
        Assert.Equal(("ss-neutral", 2, 256L, GuestFirmware.Bios), (manifest.Name, manifest.Cpus, manifest.MemoryMib, manifest.Firmware));
        Assert.Equal("default", Assert.Single(manifest.Nics).Network);
        Assert.Equal(["exported"], manifest.Tags);
        Assert.Equal(new NativeDescription("libvirt", "domain.xml"), manifest.Native);
        Assert.Equal(guest.Id, manifest.Uuid);

        await _connection.Require<IGuestManagement>().DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);
        var back = await Transfer.ImportGuestAsync(new MemoryStream(archive), archive.Length, null, Ct);
        Assert.Equal(("ss-neutral", 2, 256L), (back.Name, back.Cpus, back.Memory));
    }

    [Fact]
    public async Task An_archive_in_the_version_1_format_still_imports()
    {
        // Byte for byte what servers before format version 2 wrote for a guest without disks.
        var archive = Tar(
            ("domain.xml", """
                <domain type='test'>
                  <name>ss-oldformat</name>
                  <uuid>0b1e6f4c-9a38-4c1c-8d41-3f0c0a4c2b11</uuid>
                  <memory unit='KiB'>131072</memory>
                  <vcpu placement='static'>1</vcpu>
                  <os><type arch='i686'>hvm</type></os>
                  <devices><interface type='network'><mac address='52:54:00:0b:1e:01'/><source network='default'/></interface></devices>
                </domain>
                """),
            ("manifest.json", """
                {
                  "format_version": 1,
                  "name": "ss-oldformat",
                  "uuid": "0b1e6f4c-9a38-4c1c-8d41-3f0c0a4c2b11",
                  "disks": [],
                  "format": "simplestack-guest"
                }
                """));

        var guest = await Transfer.ImportGuestAsync(new MemoryStream(archive), archive.Length, null, Ct);

        Assert.Equal("ss-oldformat", guest.Name);
        Assert.Equal(128, guest.Memory);
        Assert.Equal("0b1e6f4c-9a38-4c1c-8d41-3f0c0a4c2b11", (await _connection.GetGuestAsync("ss-oldformat", Ct)).Id);
    }

    public static TheoryData<string, string> Tampering() => new()
    {
        // A disk the archive does not hold, named by a path that leaves the archive.
        { "traversal", """{"device": "vda", "bus": "virtio", "format": "raw", "size_bytes": 1, "file": "../../etc/passwd", "file_bytes": 1, "sha256": "%D%"}""" },
        { "absolute", """{"device": "vda", "bus": "virtio", "format": "raw", "size_bytes": 1, "file": "/etc/passwd", "file_bytes": 1, "sha256": "%D%"}""" },
        { "missing-disk", """{"device": "vda", "bus": "virtio", "format": "raw", "size_bytes": 1, "file": "disks/vda.img", "file_bytes": 1, "sha256": "%D%"}""" },
        { "huge", """{"device": "vda", "bus": "virtio", "format": "raw", "size_bytes": 1e300, "file": "disks/vda.img", "file_bytes": 1, "sha256": "%D%"}""" },
        { "missing-fields", """{"device": "vda"}""" },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task A_manifest_whose_disks_disagree_with_the_archive_is_a_400_and_nothing_is_made(string label, string disk)
    {
        var name = $"ss-tamper-{label}";
        var archive = await DisklessExportAsync(name, manifest => manifest["disks"] = JsonNode.Parse(
            "[" + disk.Replace("%D%", new string('0', 64), StringComparison.Ordinal) + "]"));

        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => Transfer.ImportGuestAsync(new MemoryStream(archive), archive.Length, null, Ct));

        Assert.Equal(ErrorKind.InvalidArguments, error.Kind);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => _connection.GetGuestAsync(name, Ct));
        Assert.Empty(await VolumesNamedAfterAsync(name));
    }

    [Theory]
    [InlineData("name", "\"someone-else\"")]
    [InlineData("cpus", "9999999")]
    [InlineData("memory_mib", "-5")]
    [InlineData("firmware", "null")]
    [InlineData("nics", "[]")]
    [InlineData("native", """{"kind": "libvirt", "file": "../domain.xml"}""")]
    [InlineData("format_version", "7")]
    public async Task A_manifest_with_a_wrong_field_is_a_400_and_nothing_is_made(string field, string value)
    {
        var name = $"ss-wrong-{field.Replace('_', '-')}";
        var archive = await DisklessExportAsync(name, manifest => manifest[field] = JsonNode.Parse(value));

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Transfer.ImportGuestAsync(new MemoryStream(archive), archive.Length, null, Ct));

        await Assert.ThrowsAsync<EntityNotFoundException>(() => _connection.GetGuestAsync(name, Ct));
    }

    /// <summary>Exports a new diskless guest with one NIC, deletes it, and returns the archive with its manifest changed.</summary>
    private async Task<byte[]> DisklessExportAsync(string name, Action<JsonObject> change)
    {
        var guest = await _connection.Require<IGuestManagement>().CreateGuestAsync(
            new GuestCreateRequest(name, 128, NetworkInterfaces: [new NicSpec("default")]), Ct);
        var entries = Entries(await ExportAsync(guest.Id));
        await _connection.Require<IGuestManagement>().DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);

        var manifest = JsonNode.Parse(entries["manifest.json"])!.AsObject();
        change(manifest);
        return Tar(("domain.xml", Encoding.UTF8.GetString(entries["domain.xml"])), ("manifest.json", manifest.ToJsonString()));
    }

    /// <summary>Volumes an import of this guest would have made (<c>&lt;guest&gt;-&lt;device&gt;</c>); other tests share the test hypervisor.</summary>
    private async Task<List<string>> VolumesNamedAfterAsync(string guestName)
    {
        var names = new List<string>();
        foreach (var storage in await _connection.Require<IStorageManagement>().ListStoragesAsync(Ct))
        {
            names.AddRange((await _connection.Require<IVolumeManagement>().ListVolumesAsync(storage.Id, Ct))
                .Select(v => v.Name).Where(n => n.StartsWith(guestName + "-", StringComparison.Ordinal)));
        }

        return names;
    }

    private async Task<byte[]> ExportAsync(string guestId)
    {
        var export = await Transfer.OpenExportAsync(guestId, Ct);
        using var buffer = new MemoryStream();
        await export.WriteToAsync(buffer, Ct);
        Assert.Equal(export.Length, buffer.Length);
        return buffer.ToArray();
    }

    private static Dictionary<string, byte[]> Entries(byte[] archive)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var reader = new TarReader(new MemoryStream(archive));
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            entries[entry.Name] = data.ToArray();
        }

        return entries;
    }

    private static byte[] Tar(params (string Name, string Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
            }
        }

        return buffer.ToArray();
    }
}
