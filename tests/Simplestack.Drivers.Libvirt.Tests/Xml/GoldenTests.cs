using Simplestack.Drivers.Libvirt.Xml;
using Xunit;

namespace Simplestack.Drivers.Libvirt.Tests.Xml;

/// <summary>
/// Builders against hand-written golden files (libvirt's documented formats; each golden file
/// was also checked with libvirt 9.0's schema validation, VIR_DOMAIN_DEFINE_VALIDATE and friends).
/// </summary>
public sealed class GoldenTests
{
    [Fact]
    public void Qemu_domain_matches_golden() =>
        XmlAssert.Equivalent(XmlAssert.Golden("domain-qemu.xml"), DomainXml.Build(Samples.QemuDomain()));

    [Fact]
    public void Lxc_domain_matches_golden() =>
        XmlAssert.Equivalent(XmlAssert.Golden("domain-lxc.xml"), DomainXml.Build(Samples.LxcDomain()));

    [Fact]
    public void Test_driver_domain_matches_golden() =>
        XmlAssert.Equivalent(XmlAssert.Golden("domain-test.xml"), DomainXml.Build(Samples.TestDomain()));

    [Fact]
    public void Ovs_vlan_network_matches_golden() =>
        XmlAssert.Equivalent(XmlAssert.Golden("network-ovs-vlan.xml"), NetworkXml.Build(Samples.OvsVlanNetwork()));

    [Fact]
    public void Nat_network_matches_golden() =>
        XmlAssert.Equivalent(XmlAssert.Golden("network-nat.xml"), NetworkXml.Build(Samples.NatNetwork()));

    [Fact]
    public void Qcow2_volume_with_backing_store_matches_golden() =>
        XmlAssert.Equivalent(XmlAssert.Golden("volume-qcow2-backing.xml"), VolumeXml.Build(Samples.OverlayVolume()));

    [Fact]
    public void Snapshot_matches_golden() =>
        XmlAssert.Equivalent(
            XmlAssert.Golden("snapshot.xml"),
            SnapshotXml.Build("before-upgrade", "State before the distribution upgrade"));

    [Fact]
    public void A_qemu_guest_without_the_vnc_console_has_no_graphics()
    {
        Assert.Contains("<graphics type=\"vnc\">", DomainXml.Build(Samples.QemuDomain()), StringComparison.Ordinal);
        Assert.DoesNotContain("<graphics", DomainXml.Build(Samples.QemuDomain() with { VncConsole = false }), StringComparison.Ordinal);
        Assert.DoesNotContain("<graphics", DomainXml.Build(Samples.LxcDomain()), StringComparison.Ordinal);
    }

    [Fact]
    public void Golden_comparison_is_not_vacuous()
    {
        var other = Samples.QemuDomain() with { Vcpus = 3 };
        Assert.ThrowsAny<Exception>(() => XmlAssert.Equivalent(XmlAssert.Golden("domain-qemu.xml"), DomainXml.Build(other)));
    }

    [Fact]
    public void Output_is_indented_without_declaration()
    {
        var xml = DomainXml.Build(Samples.TestDomain());
        Assert.StartsWith("<domain type=\"test\">\n  <name>t1</name>\n", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("<?xml", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void Single_disk_element_for_attach()
    {
        var xml = DomainXml.BuildDisk(new DiskDefinition("sdb", "scsi", new BlockDiskSource("/dev/vg0/data")) { Format = "raw" });
        XmlAssert.Equivalent(
            """
            <disk type="block" device="disk">
              <driver name="qemu" type="raw"/>
              <source dev="/dev/vg0/data"/>
              <target dev="sdb" bus="scsi"/>
            </disk>
            """,
            xml);
    }

    [Fact]
    public void Empty_cdrom_has_no_source()
    {
        var xml = DomainXml.BuildDisk(new DiskDefinition("hdc", "ide", null) { Device = "cdrom", ReadOnly = true });
        XmlAssert.Equivalent(
            """<disk type="file" device="cdrom"><target dev="hdc" bus="ide"/><readonly/></disk>""",
            xml);
    }

    [Fact]
    public void Single_interface_element_for_attach()
    {
        var xml = DomainXml.BuildInterface(new InterfaceDefinition("network", "ovs-net") { Mac = "52:54:00:12:34:56", PortGroup = "vlan-10", Model = "e1000" });
        XmlAssert.Equivalent(
            """
            <interface type="network">
              <mac address="52:54:00:12:34:56"/>
              <source network="ovs-net" portgroup="vlan-10"/>
              <model type="e1000"/>
            </interface>
            """,
            xml);
    }

    [Fact]
    public void Serial_socket_virtio_scsi_and_no_balloon()
    {
        var definition = new DomainDefinition("agent1", "kvm", 524288, 1)
        {
            SerialSocketPath = "/run/simplestack/agent1.sock",
            VirtioScsiController = true,
            MemoryBalloon = false,
            Acpi = false,
            BootDevices = ["hd", "cdrom"],
            Disks = [new DiskDefinition("sda", "scsi", new VolumeDiskSource("default", "agent1-sda.qcow2")) { Format = "qcow2" }],
        };
        XmlAssert.Equivalent(
            """
            <domain type="kvm">
              <name>agent1</name>
              <memory unit="KiB">524288</memory>
              <currentMemory unit="KiB">524288</currentMemory>
              <vcpu placement="static">1</vcpu>
              <os>
                <type arch="x86_64">hvm</type>
                <boot dev="hd"/>
                <boot dev="cdrom"/>
              </os>
              <on_poweroff>destroy</on_poweroff>
              <on_reboot>restart</on_reboot>
              <on_crash>destroy</on_crash>
              <devices>
                <disk type="volume" device="disk">
                  <driver name="qemu" type="qcow2"/>
                  <source pool="default" volume="agent1-sda.qcow2"/>
                  <target dev="sda" bus="scsi"/>
                </disk>
                <controller type="scsi" index="0" model="virtio-scsi"/>
                <serial type="unix">
                  <source mode="bind" path="/run/simplestack/agent1.sock"/>
                  <target port="0"/>
                </serial>
                <graphics type="vnc">
                  <listen type="none"/>
                </graphics>
                <memballoon model="none"/>
              </devices>
            </domain>
            """,
            DomainXml.Build(definition));
    }

    [Fact]
    public void Isolated_network_has_no_forward()
    {
        var root = XmlAssert.WellFormed(NetworkXml.Build(new NetworkDefinition("iso1", "isolated") { Bridge = "virbr9" }));
        Assert.Null(root.Element("forward"));
        Assert.Equal("virbr9", root.Element("bridge")!.Attribute("name")!.Value);
    }

    [Fact]
    public void Tags_metadata_element_for_set_metadata()
    {
        var xml = TagsMetadata.Build(["b", "a", "b", "c"]);
        XmlAssert.Equivalent(
            """<tags xmlns="https://simplestack.dev/xmlns/tags/1"><tag>b</tag><tag>a</tag><tag>c</tag></tags>""",
            xml);
        Assert.Equal(["b", "a", "c"], TagsMetadata.Parse(xml));
    }
}
