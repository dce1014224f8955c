using Simplestack.Drivers.Libvirt.Xml;
using Xunit;

namespace Simplestack.Drivers.Libvirt.Tests.Xml;

/// <summary>Parsers against XML as libvirt itself returns it (captured from libvirt 9.0's test driver).</summary>
public sealed class ParseTests
{
    [Fact]
    public void Test_driver_default_domain()
    {
        var parsed = DomainDescription.Parse(XmlAssert.Golden("libvirt-test-default-domain.xml"));
        Assert.Equal("test", parsed.Name);
        Assert.Equal(Guid.Parse("6695eb01-f6a4-8304-79aa-97f2502e193f"), parsed.Uuid);
        Assert.Equal("test", parsed.Type);
        Assert.Equal(8388608, parsed.MemoryKiB);
        Assert.Equal(2097152, parsed.CurrentMemoryKiB);
        Assert.Equal(2, parsed.Vcpus);
        Assert.Equal(2, parsed.MaxVcpus);
        Assert.Equal("restart", parsed.OnReboot);
        var disk = Assert.Single(parsed.Disks);
        Assert.Equal(new ParsedDisk("vda", "virtio", "disk", "file", "/guest/diskimage1", null, null, null, null, false, null), disk);
        var nic = Assert.Single(parsed.Interfaces);
        Assert.Equal(new ParsedInterface("network", "default", null, "aa:bb:cc:dd:ee:ff", null, "testnet0", null, null, null, null, null, null), nic);
        Assert.Empty(parsed.Tags);
    }

    [Fact]
    public void Qemu_domain_as_libvirt_returns_it()
    {
        var parsed = DomainDescription.Parse(XmlAssert.Golden("libvirt-qemu-as-defined.xml"));
        Assert.Equal(["web", "production"], parsed.Tags);
        Assert.Equal(3, parsed.Disks.Count);
        Assert.Equal("testnet1", parsed.Interfaces[1].TargetDevice);
        Assert.Equal("openvswitch", parsed.Interfaces[1].VirtualPortType);
        Assert.Equal(42, parsed.Interfaces[1].Vlan);
        Assert.Equal(1250, parsed.Interfaces[1].InboundAverageKBps);
    }

    [Fact]
    public void Memory_units_are_converted_to_KiB()
    {
        var parsed = DomainDescription.Parse(
            """<domain type="kvm"><name>m</name><memory unit="GiB">2</memory><currentMemory unit="MiB">512</currentMemory><vcpu>1</vcpu></domain>""");
        Assert.Equal(2 * 1024 * 1024, parsed.MemoryKiB);
        Assert.Equal(512 * 1024, parsed.CurrentMemoryKiB);

        var noUnit = DomainDescription.Parse("""<domain type="kvm"><memory>4096</memory></domain>""");
        Assert.Equal(4096, noUnit.MemoryKiB);
        Assert.Equal(4096, noUnit.CurrentMemoryKiB);
    }

    [Fact]
    public void Sparse_domain_gives_defaults()
    {
        var parsed = DomainDescription.Parse("<domain/>");
        Assert.Equal("", parsed.Name);
        Assert.Equal(Guid.Empty, parsed.Uuid);
        Assert.Equal(0, parsed.MemoryKiB);
        Assert.Equal("hvm", parsed.OsType);
        Assert.Equal("restart", parsed.OnReboot);
        Assert.Empty(parsed.Disks);
        Assert.Empty(parsed.Interfaces);
        Assert.Empty(parsed.Filesystems);
        Assert.Null(parsed.Kernel);
    }

    [Fact]
    public void Guest_agent_channel_is_detected()
    {
        var parsed = DomainDescription.Parse(
            """
            <domain type="kvm"><name>g</name><devices>
              <channel type="unix"><target type="virtio" name="org.qemu.guest_agent.0"/></channel>
            </devices></domain>
            """);
        Assert.True(parsed.HasGuestAgentChannel);
    }

    [Fact]
    public void Interface_with_filterref_and_portgroup()
    {
        var nic = Assert.Single(DomainDescription.Parse(
            """
            <domain type="kvm"><devices>
              <interface type="network">
                <mac address="52:54:00:00:00:09"/>
                <source network="ovs" portgroup="vlan-10"/>
                <filterref filter="clean-traffic"/>
              </interface>
            </devices></domain>
            """).Interfaces);
        Assert.Equal("vlan-10", nic.PortGroup);
        Assert.Equal("clean-traffic", nic.FilterRef);
    }

    [Fact]
    public void Libvirt_snapshot()
    {
        var parsed = SnapshotDescription.Parse(XmlAssert.Golden("libvirt-snapshot.xml"));
        Assert.Equal("before-upgrade", parsed.Name);
        Assert.Equal("running", parsed.State);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795404030), parsed.Created);
        Assert.Equal("State before the distribution upgrade", parsed.Description);
        Assert.Null(parsed.Parent);
        Assert.Empty(parsed.DiskSnapshotPaths);
    }

    [Fact]
    public void External_snapshot_with_parent()
    {
        var parsed = SnapshotDescription.Parse(
            """
            <domainsnapshot>
              <name>s2</name>
              <state>disk-snapshot</state>
              <parent><name>s1</name></parent>
              <creationTime>1700000000</creationTime>
              <memory snapshot="no"/>
              <disks>
                <disk name="vda" snapshot="external" type="file"><driver type="qcow2"/><source file="/var/lib/libvirt/images/web1-vda.s2"/></disk>
                <disk name="hdc" snapshot="no"/>
              </disks>
              <domain type="kvm"><name>web1</name><description>not the snapshot's</description></domain>
            </domainsnapshot>
            """);
        Assert.Equal("s1", parsed.Parent);
        Assert.Equal("disk-snapshot", parsed.State);
        Assert.Equal(new DateTimeOffset(2023, 11, 14, 22, 13, 20, TimeSpan.Zero), parsed.Created);
        Assert.Null(parsed.Description);
        Assert.Equal(["/var/lib/libvirt/images/web1-vda.s2"], parsed.DiskSnapshotPaths);
    }

    [Fact]
    public void Libvirt_volume()
    {
        var parsed = VolumeDescription.Parse(XmlAssert.Golden("libvirt-volume.xml"));
        Assert.Equal(
            new VolumeDescription("web1-vda.qcow2", "qcow2", 10737418240, 0, "/default-pool/web1-vda.qcow2", "/var/lib/libvirt/images/debian-12.qcow2"),
            parsed);
    }

    [Fact]
    public void Volume_capacity_in_other_units()
    {
        var parsed = VolumeDescription.Parse("""<volume><name>v</name><capacity unit="G">3</capacity><allocation>512</allocation></volume>""");
        Assert.Equal(3L * 1024 * 1024 * 1024, parsed.CapacityBytes);
        Assert.Equal(512, parsed.AllocationBytes);
        Assert.Null(parsed.Format);
        Assert.Null(parsed.Path);
    }

    [Fact]
    public void Libvirt_network()
    {
        var parsed = NetworkDescription.Parse(XmlAssert.Golden("libvirt-network-ovs.xml"));
        Assert.Equal("vlan42", parsed.Name);
        Assert.Equal("bridge", parsed.Forward);
        Assert.Equal("openvswitch", parsed.VirtualPortType);
        Assert.Equal(42, parsed.Vlan);
        Assert.Equal("Staging VLAN", parsed.Description);
        Assert.Equal("ops", parsed.OtherConfig["owner"]);
    }

    [Fact]
    public void Forward_without_mode_is_nat()
    {
        var parsed = NetworkDescription.Parse("<network><name>default</name><forward/><bridge name='virbr0'/></network>");
        Assert.Equal("nat", parsed.Forward);
        Assert.Equal("virbr0", parsed.Bridge);
        Assert.Null(parsed.Vlan);
    }

    [Fact]
    public void Storage_pool()
    {
        var parsed = StoragePoolDescription.Parse(
            """
            <pool type='dir'>
              <name>default-pool</name>
              <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
              <capacity unit='bytes'>107374182400</capacity>
              <allocation unit='bytes'>0</allocation>
              <available unit='bytes'>107374182400</available>
              <source>
              </source>
              <target>
                <path>/default-pool</path>
              </target>
            </pool>
            """);
        Assert.Equal(new StoragePoolDescription("default-pool", Guid.Parse("dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"), "dir", "/default-pool"), parsed);
    }

    [Fact]
    public void Tags_metadata_as_libvirt_returns_it()
    {
        Assert.Equal(
            ["a", "b"],
            TagsMetadata.Parse("""<simplestack:tags xmlns:simplestack="https://simplestack.dev/xmlns/tags/1"><simplestack:tag>a</simplestack:tag><simplestack:tag>b</simplestack:tag></simplestack:tags>"""));
        Assert.Empty(TagsMetadata.Parse(null));
        Assert.Empty(TagsMetadata.Parse(""));
        Assert.Empty(TagsMetadata.Parse("   "));
    }

    public static TheoryData<string> MalformedDocuments => new()
    {
        "",
        "not xml",
        "<domain><name>x</domain>",
        "<domain type='kvm'><name>a</name>",
        "<domain>&unknown;</domain>",
        "<!DOCTYPE domain [<!ENTITY e 'x'>]><domain>&e;</domain>",
        "<domain/><domain/>",
        "<network/>",
    };

    [Theory]
    [MemberData(nameof(MalformedDocuments))]
    public void Malformed_domain_xml_is_a_format_exception(string xml) =>
        Assert.Throws<FormatException>(() => DomainDescription.Parse(xml));

    [Fact]
    public void Malformed_xml_is_a_format_exception_for_every_parser()
    {
        const string bad = "<x><y></x>";
        Assert.Throws<FormatException>(() => NetworkDescription.Parse(bad));
        Assert.Throws<FormatException>(() => VolumeDescription.Parse(bad));
        Assert.Throws<FormatException>(() => SnapshotDescription.Parse(bad));
        Assert.Throws<FormatException>(() => StoragePoolDescription.Parse(bad));
        Assert.Throws<FormatException>(() => TagsMetadata.Parse(bad));
        Assert.Throws<FormatException>(() => DomainXml.WithName(bad, "n"));
        Assert.Throws<FormatException>(() => NetworkDescription.Parse("<volume/>"));
    }
}
