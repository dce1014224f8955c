using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;
using Xunit;

namespace Simplestack.Drivers.Libvirt.Tests.Xml;

/// <summary>
/// Each edit is checked against the original document changed by hand in the expected way, so
/// the assertion covers both the change and that nothing else moved.
/// </summary>
public sealed class DomainEditTests
{
    private static readonly string TestDefault = XmlAssert.Golden("libvirt-test-default-domain.xml");
    private static readonly string QemuDefined = XmlAssert.Golden("libvirt-qemu-as-defined.xml");

    private static XElement Load(string xml) => XElement.Parse(xml, LoadOptions.PreserveWhitespace);

    private static XElement Disk(XElement root, string target) =>
        root.Element("devices")!.Elements("disk").Single(d => d.Element("target")!.Attribute("dev")!.Value == target);

    private static XElement Nic(XElement root, string mac) =>
        root.Element("devices")!.Elements("interface").Single(i => i.Element("mac")!.Attribute("address")!.Value == mac);

    [Fact]
    public void WithoutDisk_removes_only_that_disk()
    {
        var expected = Load(QemuDefined);
        Disk(expected, "vdb").Remove();
        XmlAssert.Equivalent(expected, Load(DomainXml.WithoutDisk(QemuDefined, "vdb")));
    }

    [Fact]
    public void WithoutDisk_unknown_target_throws()
    {
        Assert.Throws<KeyNotFoundException>(() => DomainXml.WithoutDisk(TestDefault, "vdz"));
    }

    [Fact]
    public void WithDisk_appends_after_the_last_disk()
    {
        var disk = new DiskDefinition("vdb", "virtio", new FileDiskSource("/guest/disk2.qcow2")) { Format = "qcow2" };
        var expected = Load(TestDefault);
        Disk(expected, "vda").AddAfterSelf(XElement.Parse(DomainXml.BuildDisk(disk)));
        var actual = DomainXml.WithDisk(TestDefault, disk);
        XmlAssert.Equivalent(expected, Load(actual));
        Assert.Equal(["vda", "vdb"], DomainDescription.Parse(actual).Disks.Select(d => d.Target));
    }

    [Fact]
    public void WithDisk_existing_target_is_a_conflict()
    {
        Assert.Throws<ConflictException>(() => DomainXml.WithDisk(TestDefault, new DiskDefinition("vda", "virtio", null)));
    }

    [Fact]
    public void WithDisk_into_a_domain_without_devices()
    {
        var actual = DomainXml.WithDisk("<domain type='test'><name>d</name></domain>", new DiskDefinition("vda", "virtio", null));
        Assert.Equal("vda", Assert.Single(DomainDescription.Parse(actual).Disks).Target);
    }

    [Fact]
    public void WithDiskSource_changes_the_cdrom_file()
    {
        var expected = Load(QemuDefined);
        Disk(expected, "hdc").Element("source")!.SetAttributeValue("file", "/isos/other.iso");
        XmlAssert.Equivalent(expected, Load(DomainXml.WithDiskSource(QemuDefined, "hdc", "/isos/other.iso")));
    }

    [Fact]
    public void WithDiskSource_null_ejects()
    {
        var expected = Load(QemuDefined);
        Disk(expected, "hdc").Element("source")!.Remove();
        var actual = DomainXml.WithDiskSource(QemuDefined, "hdc", null);
        XmlAssert.Equivalent(expected, Load(actual));
        var cdrom = DomainDescription.Parse(actual).Disks.Single(d => d.Target == "hdc");
        Assert.Null(cdrom.SourcePath);
        Assert.True(cdrom.ReadOnly);
    }

    [Fact]
    public void WithDiskSource_switches_a_volume_disk_to_a_file()
    {
        var expected = Load(QemuDefined);
        var disk = Disk(expected, "vdb");
        disk.SetAttributeValue("type", "file");
        disk.Element("source")!.ReplaceWith(new XElement("source", new XAttribute("file", "/images/new.qcow2")));
        var actual = DomainXml.WithDiskSource(QemuDefined, "vdb", "/images/new.qcow2");
        XmlAssert.Equivalent(expected, Load(actual));
        var parsed = DomainDescription.Parse(actual).Disks.Single(d => d.Target == "vdb");
        Assert.Equal(("file", "/images/new.qcow2", (string?)null, (string?)null), (parsed.SourceType, parsed.SourceFile, parsed.SourcePool, parsed.SourceVolume));
    }

    [Fact]
    public void WithDiskSource_inserts_a_source_into_an_empty_drive()
    {
        var empty = DomainXml.WithDiskSource(QemuDefined, "hdc", null);
        var refilled = DomainXml.WithDiskSource(empty, "hdc", "/var/lib/libvirt/images/debian-12.iso");
        XmlAssert.Equivalent(QemuDefined, refilled);
    }

    [Fact]
    public void WithDiskSource_unknown_target_throws() =>
        Assert.Throws<KeyNotFoundException>(() => DomainXml.WithDiskSource(TestDefault, "hdc", null));

    [Fact]
    public void WithoutInterface_removes_only_that_interface_whatever_the_mac_case()
    {
        var expected = Load(TestDefault);
        Nic(expected, "aa:bb:cc:dd:ee:ff").Remove();
        XmlAssert.Equivalent(expected, Load(DomainXml.WithoutInterface(TestDefault, "AA:BB:CC:DD:EE:FF")));
        Assert.Throws<KeyNotFoundException>(() => DomainXml.WithoutInterface(TestDefault, "52:54:00:00:00:00"));
    }

    [Fact]
    public void WithInterface_appends_after_the_last_interface()
    {
        var nic = new InterfaceDefinition("bridge", "br0") { Mac = "52:54:00:01:02:03" };
        var expected = Load(TestDefault);
        Nic(expected, "aa:bb:cc:dd:ee:ff").AddAfterSelf(XElement.Parse(DomainXml.BuildInterface(nic)));
        XmlAssert.Equivalent(expected, Load(DomainXml.WithInterface(TestDefault, nic)));
        Assert.Throws<ConflictException>(() => DomainXml.WithInterface(TestDefault, nic with { Mac = "AA:bb:cc:dd:ee:ff" }));
    }

    [Fact]
    public void WithInterfaceChanges_moves_to_a_network_and_sets_rate_and_model()
    {
        const string mac = "52:54:00:4a:1b:02";
        var expected = Load(QemuDefined);
        var nic = Nic(expected, mac);
        nic.SetAttributeValue("type", "network");
        nic.Element("source")!.ReplaceWith(new XElement("source", new XAttribute("network", "isolated")));
        nic.Element("virtualport")!.Remove();
        nic.Element("vlan")!.Remove();
        nic.Element("bandwidth")!.Remove();
        nic.Add(new XElement("bandwidth", new XElement("inbound", new XAttribute("average", "500")), new XElement("outbound", new XAttribute("average", "500"))));
        nic.Element("model")!.SetAttributeValue("type", "e1000");

        var actual = DomainXml.WithInterfaceChanges(QemuDefined, mac, "isolated", 500, removeRateLimit: false, "e1000");
        XmlAssert.Equivalent(expected, Load(actual));
        var parsed = DomainDescription.Parse(actual).Interfaces[1];
        Assert.Equal(("network", "isolated", (string?)null, 500L, 500L, "e1000"), (parsed.Type, parsed.Network, parsed.Bridge, parsed.InboundAverageKBps!.Value, parsed.OutboundAverageKBps!.Value, parsed.Model));
    }

    [Fact]
    public void WithInterfaceChanges_removes_the_rate_limit_only()
    {
        const string mac = "52:54:00:4a:1b:02";
        var expected = Load(QemuDefined);
        Nic(expected, mac).Element("bandwidth")!.Remove();
        XmlAssert.Equivalent(expected, Load(DomainXml.WithInterfaceChanges(QemuDefined, mac, null, null, removeRateLimit: true, null)));
    }

    [Fact]
    public void WithInterfaceChanges_adds_a_model_where_there_was_none()
    {
        var actual = DomainXml.WithInterfaceChanges(TestDefault, "aa:bb:cc:dd:ee:ff", null, 100, removeRateLimit: false, "virtio");
        var nic = Assert.Single(DomainDescription.Parse(actual).Interfaces);
        Assert.Equal("virtio", nic.Model);
        Assert.Equal(100, nic.InboundAverageKBps);
        Assert.Equal("default", nic.Network);
        Assert.Throws<KeyNotFoundException>(() => DomainXml.WithInterfaceChanges(TestDefault, "00:00:00:00:00:00", "x", null, false, null));
    }

    [Fact]
    public void WithName_changes_only_the_name()
    {
        var expected = Load(TestDefault);
        expected.Element("name")!.Value = "renamed";
        XmlAssert.Equivalent(expected, Load(DomainXml.WithName(TestDefault, "renamed")));
        Assert.Throws<InvalidArgumentException>(() => DomainXml.WithName(TestDefault, "a/b"));
    }

    [Fact]
    public void WithIdentity_sets_name_uuid_macs_and_drops_the_live_id()
    {
        var uuid = Guid.Parse("11111111-2222-3333-4444-555555555555");
        var expected = Load(TestDefault);
        expected.Attribute("id")!.Remove();
        expected.Element("name")!.Value = "test-clone";
        expected.Element("uuid")!.Value = "11111111-2222-3333-4444-555555555555";
        Nic(expected, "aa:bb:cc:dd:ee:ff").Element("mac")!.SetAttributeValue("address", "52:54:00:99:88:77");

        var actual = DomainXml.WithIdentity(TestDefault, "test-clone", uuid, new Dictionary<string, string> { ["AA:BB:CC:DD:EE:FF"] = "52:54:00:99:88:77" });
        XmlAssert.Equivalent(expected, Load(actual));
        Assert.Null(Load(actual).Attribute("id"));
        var parsed = DomainDescription.Parse(actual);
        Assert.Equal(uuid, parsed.Uuid);
        Assert.Equal("52:54:00:99:88:77", parsed.Interfaces[0].Mac);
    }

    [Fact]
    public void WithIdentity_adds_a_uuid_when_there_is_none()
    {
        var uuid = Guid.NewGuid();
        var actual = DomainXml.WithIdentity("<domain type='kvm'><name>a</name><memory>1024</memory></domain>", "b", uuid, new Dictionary<string, string>());
        var root = Load(actual);
        Assert.Equal(["name", "uuid", "memory"], root.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(uuid, DomainDescription.Parse(actual).Uuid);
    }

    [Fact]
    public void WithDiskSources_repoints_listed_disks_only()
    {
        var expected = Load(QemuDefined);
        Disk(expected, "vda").Element("source")!.SetAttributeValue("file", "/images/clone-vda.qcow2");
        var vdb = Disk(expected, "vdb");
        vdb.SetAttributeValue("type", "file");
        vdb.Element("source")!.ReplaceWith(new XElement("source", new XAttribute("file", "/images/clone-vdb.qcow2")));

        var actual = DomainXml.WithDiskSources(QemuDefined, new Dictionary<string, string>
        {
            ["vda"] = "/images/clone-vda.qcow2",
            ["vdb"] = "/images/clone-vdb.qcow2",
        });
        XmlAssert.Equivalent(expected, Load(actual));
        Assert.Throws<KeyNotFoundException>(() => DomainXml.WithDiskSources(QemuDefined, new Dictionary<string, string> { ["sdz"] = "/x" }));
    }

    [Fact]
    public void WithDiskSources_drops_the_old_backing_chain()
    {
        const string xml = """
            <domain type='kvm'><name>a</name><devices>
              <disk type='file' device='disk'>
                <driver name='qemu' type='qcow2'/>
                <source file='/images/a.qcow2' index='2'/>
                <backingStore type='file' index='3'><format type='qcow2'/><source file='/images/base.qcow2'/><backingStore/></backingStore>
                <target dev='vda' bus='virtio'/>
              </disk>
            </devices></domain>
            """;
        var disk = Disk(Load(DomainXml.WithDiskSources(xml, new Dictionary<string, string> { ["vda"] = "/images/b.qcow2" })), "vda");
        Assert.Null(disk.Element("backingStore"));
        Assert.Equal([new XAttribute("file", "/images/b.qcow2").ToString()], disk.Element("source")!.Attributes().Select(a => a.ToString()));
    }

    [Fact]
    public void WithBootFromDisk_drops_the_installer_kernel()
    {
        var expected = Load(QemuDefined);
        var os = expected.Element("os")!;
        os.Element("kernel")!.Remove();
        os.Element("initrd")!.Remove();
        os.Element("cmdline")!.Remove();
        // libvirt already added <boot dev='hd'/> to this hvm definition, so none is added.
        Assert.Single(os.Elements("boot"));
        expected.Element("on_reboot")!.Value = "restart";

        var actual = DomainXml.WithBootFromDisk(QemuDefined);
        XmlAssert.Equivalent(expected, Load(actual));
        var parsed = DomainDescription.Parse(actual);
        Assert.Null(parsed.Kernel);
        Assert.Equal("restart", parsed.OnReboot);
    }

    [Fact]
    public void WithBootFromDisk_adds_a_hard_disk_boot_when_there_is_none()
    {
        var built = DomainXml.Build(Samples.QemuDomain());
        var os = Load(DomainXml.WithBootFromDisk(built)).Element("os")!;
        Assert.Equal(["type", "boot"], os.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("hd", os.Element("boot")!.Attribute("dev")!.Value);
        Assert.Equal("restart", DomainDescription.Parse(DomainXml.WithBootFromDisk(built)).OnReboot);
    }

    [Fact]
    public void WithBootFromDisk_is_idempotent_and_keeps_existing_boot_order()
    {
        XmlAssert.Equivalent(TestDefault, DomainXml.WithBootFromDisk(TestDefault));

        const string perDevice = """
            <domain type='kvm'><name>a</name><os><type>hvm</type><kernel>/k</kernel></os>
              <devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/><boot order='1'/></disk></devices></domain>
            """;
        var os = Load(DomainXml.WithBootFromDisk(perDevice)).Element("os")!;
        Assert.Empty(os.Elements("boot"));
        Assert.Null(os.Element("kernel"));
    }

    [Fact]
    public void WithTags_creates_replaces_and_removes_the_metadata_element()
    {
        var tagged = DomainXml.WithTags(TestDefault, ["a", "b", "a"]);
        Assert.Equal(["a", "b"], DomainDescription.Parse(tagged).Tags);
        var root = Load(tagged);
        Assert.Equal("metadata", root.Elements().ElementAt(2).Name.LocalName);

        var expected = Load(TestDefault);
        expected.Element("uuid")!.AddAfterSelf(new XElement("metadata", XElement.Parse(TagsMetadata.Build(["a", "b"]))));
        XmlAssert.Equivalent(expected, root);

        var retagged = DomainXml.WithTags(tagged, ["c"]);
        Assert.Equal(["c"], DomainDescription.Parse(retagged).Tags);
        Assert.Single(Load(retagged).Element("metadata")!.Elements());

        XmlAssert.Equivalent(TestDefault, DomainXml.WithTags(retagged, []));
    }

    [Fact]
    public void WithTags_keeps_foreign_metadata()
    {
        const string xml = """
            <domain type='kvm'><name>a</name><metadata><app:x xmlns:app='urn:other'>keep</app:x></metadata></domain>
            """;
        var untagged = DomainXml.WithTags(DomainXml.WithTags(xml, ["t"]), []);
        XmlAssert.Equivalent(xml, untagged);
    }

    [Fact]
    public void WithMemory_sets_current_and_maximum()
    {
        var expected = Load(TestDefault);
        expected.Element("memory")!.Value = "4194304";
        expected.Element("currentMemory")!.Value = "1048576";
        var actual = DomainXml.WithMemory(TestDefault, 1048576, 4194304);
        XmlAssert.Equivalent(expected, Load(actual));

        var same = DomainDescription.Parse(DomainXml.WithMemory(TestDefault, 524288, null));
        Assert.Equal((524288L, 524288L), (same.MemoryKiB, same.CurrentMemoryKiB));
        Assert.Throws<InvalidArgumentException>(() => DomainXml.WithMemory(TestDefault, 2048, 1024));
    }

    [Fact]
    public void WithMemory_replaces_other_units()
    {
        var actual = DomainXml.WithMemory("<domain type='kvm'><name>a</name><memory unit='GiB'>4</memory><vcpu>1</vcpu></domain>", 1048576, null);
        var root = Load(actual);
        Assert.Equal("KiB", root.Element("memory")!.Attribute("unit")!.Value);
        Assert.Equal(["name", "memory", "currentMemory", "vcpu"], root.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(1048576, DomainDescription.Parse(actual).MemoryKiB);
    }

    [Fact]
    public void WithVcpus_sets_current_and_maximum()
    {
        var expected = Load(TestDefault);
        expected.Element("vcpu")!.Value = "8";
        expected.Element("vcpu")!.SetAttributeValue("current", "4");
        var actual = DomainXml.WithVcpus(TestDefault, 4, 8);
        XmlAssert.Equivalent(expected, Load(actual));

        var flat = DomainXml.WithVcpus(actual, 3, null);
        var parsed = DomainDescription.Parse(flat);
        Assert.Equal((3, 3), (parsed.Vcpus, parsed.MaxVcpus));
        Assert.Null(Load(flat).Element("vcpu")!.Attribute("current"));
        Assert.Throws<InvalidArgumentException>(() => DomainXml.WithVcpus(TestDefault, 0, null));
        Assert.Throws<InvalidArgumentException>(() => DomainXml.WithVcpus(TestDefault, 4, 2));
    }

    [Fact]
    public void Edits_keep_whitespace_only_text_and_comments()
    {
        const string xml = "<domain type='kvm'><name>a</name><!-- note --><description>  </description></domain>";
        var root = Load(DomainXml.WithName(xml, "b"));
        Assert.Equal("  ", root.Element("description")!.Value);
        Assert.Single(root.Nodes().OfType<XComment>());
    }
}
