using System.Text;
using Simplestack.Core;
using Simplestack.Core.Transfer;
using Simplestack.Drivers.Libvirt.Tests.Xml;
using Simplestack.Drivers.Libvirt.Transfer;
using Simplestack.Drivers.Libvirt.Xml;

namespace Simplestack.Drivers.Libvirt.Tests.Unit;

public sealed class LibvirtGuestManifestTests
{
    private static readonly string Digest = new('b', 64);

    private static readonly string QemuXml = XmlAssert.Golden("domain-qemu.xml");

    private static IReadOnlyList<GuestManifestDisk> QemuDisks() =>
    [
        new("vda", "virtio", "qcow2", 10L << 30, "disks/vda.qcow2", 4096, Digest),
        new("vdb", "virtio", "qcow2", 20L << 30, "disks/vdb.qcow2", 8192, Digest),
    ];

    private static Dictionary<string, (string Path, string Sha256, long Bytes)> Uploaded() => new()
    {
        ["vda"] = ("/pool/web1-vda.qcow2", Digest, 4096),
        ["vdb"] = ("/pool/web1-vdb.qcow2", Digest, 8192),
    };

    [Fact]
    public void A_qemu_domain_is_described_in_neutral_words()
    {
        var manifest = LibvirtGuestManifest.Describe(QemuXml, QemuDisks());
        Assert.Equal("web1", manifest.Name);
        Assert.Equal(Samples.QemuUuid.ToString(), manifest.Uuid);
        Assert.Equal(2, manifest.Cpus);
        Assert.Equal(2048, manifest.MemoryMib);
        Assert.Equal(GuestFirmware.Bios, manifest.Firmware);
        Assert.Equal("x86_64", manifest.Arch);
        Assert.Equal(QemuDisks(), manifest.Disks);
        Assert.Equal(
            [new GuestManifestNic("52:54:00:4a:1b:01", "default", "virtio"), new GuestManifestNic("52:54:00:4a:1b:02", "ovsbr0", "virtio")],
            manifest.Nics);
        Assert.Equal(["web", "production"], manifest.Tags);
        Assert.Equal(new NativeDescription("libvirt", "domain.xml"), manifest.Native);
    }

    [Fact]
    public void A_container_boots_no_firmware()
    {
        var manifest = LibvirtGuestManifest.Describe(XmlAssert.Golden("domain-lxc.xml"), []);
        Assert.Equal(GuestFirmware.None, manifest.Firmware);
        Assert.Null(manifest.Arch);
        Assert.Equal(512, manifest.MemoryMib);
        Assert.Empty(manifest.Disks);
    }

    [Theory]
    [InlineData("<os firmware='efi'><type arch='x86_64'>hvm</type></os>")]
    [InlineData("<os><type arch='x86_64'>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader></os>")]
    [InlineData("<os><type arch='aarch64'>hvm</type><loader readonly='yes'>/usr/share/AAVMF/AAVMF_CODE.fd</loader></os>")]
    public void Efi_firmware_is_uefi(string os)
    {
        var xml = $"<domain type='kvm'><name>e</name><memory>1048576</memory><vcpu>1</vcpu>{os}</domain>";
        Assert.Equal(GuestFirmware.Uefi, LibvirtGuestManifest.Describe(xml, []).Firmware);
    }

    [Fact]
    public void Memory_is_rounded_up_to_whole_mebibytes()
    {
        var xml = "<domain type='kvm'><name>m</name><memory unit='KiB'>1025</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";
        Assert.Equal(2, LibvirtGuestManifest.Describe(xml, []).MemoryMib);
    }

    [Fact]
    public void A_domain_the_manifest_cannot_describe_is_refused_before_the_archive_starts()
    {
        var tag = new string('t', 300);
        var xml = $"<domain type='kvm'><name>t</name><memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os>"
            + $"<metadata><tags xmlns='{TagsMetadata.NamespaceUri}'><tag>{tag}</tag></tags></metadata></domain>";
        var error = Assert.Throws<ConflictException>(() => LibvirtGuestManifest.Describe(xml, []));
        Assert.Contains("tags[0]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vda", "virtio")]
    [InlineData("sdb", "scsi")]
    [InlineData("hdc", "ide")]
    [InlineData("xvda", "xen")]
    [InlineData("fda", "")]
    public void A_disk_without_a_bus_gets_the_one_its_name_implies(string target, string bus)
        => Assert.Equal(bus, LibvirtGuestManifest.BusOf(new ParsedDisk(target, "", "disk", "file", null, null, null, null, null, false, null)));

    [Fact]
    public void An_archive_that_agrees_with_its_manifest_and_domain_xml_passes()
    {
        LibvirtGuestManifest.Verify(Imported(LibvirtGuestManifest.Describe(QemuXml, QemuDisks())), Uploaded(), DomainDescription.Parse(QemuXml));
        LibvirtGuestManifest.Verify(ArchiveFormat.ReadManifest(Encoding.UTF8.GetBytes(Version1(Digest))), Uploaded(), DomainDescription.Parse(QemuXml));
    }

    public static TheoryData<string, Func<GuestManifest, GuestManifest>> Disagreements() => new()
    {
        { "checksum", m => m with { Disks = [m.Disks[0] with { Sha256 = new string('c', 64) }, m.Disks[1]] } },
        { "checksum", m => m with { Disks = [m.Disks[0] with { FileBytes = 4097 }, m.Disks[1]] } },
        { "does not hold", m => m with { Disks = [m.Disks[0] with { Device = "vdz", File = "disks/vdz.qcow2" }, m.Disks[1]] } },
        { "do not match", m => m with { Disks = [m.Disks[0]] } },
        { "file", m => m with { Disks = [m.Disks[0] with { File = "disks/vda.img" }, m.Disks[1]] } },
        { "file", m => m with { Disks = [m.Disks[0] with { File = "disks/other.qcow2" }, m.Disks[1]] } },
        { "bus", m => m with { Disks = [m.Disks[0] with { Bus = "sata" }, m.Disks[1]] } },
        { "names the guest", m => m with { Name = "web2" } },
        { "MAC", m => m with { Nics = [m.Nics[0]] } },
        { "MAC", m => m with { Nics = [m.Nics[0], m.Nics[1] with { Mac = "52:54:00:00:00:99" }] } },
        { "libvirt archives", m => m with { Native = new NativeDescription("vmware", "guest.ovf") } },
    };

    [Theory]
    [MemberData(nameof(Disagreements))]
    public void A_manifest_that_disagrees_with_the_archive_is_a_400(string says, Func<GuestManifest, GuestManifest> change)
    {
        var manifest = change(LibvirtGuestManifest.Describe(QemuXml, QemuDisks()));
        var error = Assert.Throws<InvalidArgumentException>(() => LibvirtGuestManifest.Verify(Imported(manifest), Uploaded(), DomainDescription.Parse(QemuXml)));
        Assert.Contains(says, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_version_1_manifest_is_checked_against_the_files()
    {
        var damaged = ArchiveFormat.ReadManifest(Encoding.UTF8.GetBytes(Version1(new string('d', 64))));
        var error = Assert.Throws<InvalidArgumentException>(() => LibvirtGuestManifest.Verify(damaged, Uploaded(), DomainDescription.Parse(QemuXml)));
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A manifest as the importer sees it after reading it from the archive.</summary>
    private static ArchiveManifest Imported(GuestManifest manifest) => ArchiveFormat.ReadManifest(ArchiveFormat.Serialize(manifest));

    private static string Version1(string digest) => $$"""
        {"format_version": 1, "name": "web1", "uuid": "{{Samples.QemuUuid}}", "format": "simplestack-guest", "disks": [
          {"target": "vda", "entry": "disks/vda.qcow2", "format": "qcow2", "capacity_bytes": 1, "file_bytes": 4096, "sha256": "{{digest}}"},
          {"target": "vdb", "entry": "disks/vdb.qcow2", "format": "qcow2", "capacity_bytes": 1, "file_bytes": 8192, "sha256": "{{Digest}}"}]}
        """;
}
