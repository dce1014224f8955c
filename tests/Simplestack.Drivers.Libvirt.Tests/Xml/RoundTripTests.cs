using Simplestack.Drivers.Libvirt.Xml;
using Xunit;

namespace Simplestack.Drivers.Libvirt.Tests.Xml;

public sealed class RoundTripTests
{
    [Fact]
    public void Qemu_domain_parses_back()
    {
        var definition = Samples.QemuDomain();
        var parsed = DomainDescription.Parse(DomainXml.Build(definition));

        Assert.Equal("web1", parsed.Name);
        Assert.Equal(Samples.QemuUuid, parsed.Uuid);
        Assert.Equal("qemu", parsed.Type);
        Assert.Equal(2097152, parsed.MemoryKiB);
        Assert.Equal(1048576, parsed.CurrentMemoryKiB);
        Assert.Equal(2, parsed.Vcpus);
        Assert.Equal(4, parsed.MaxVcpus);
        Assert.Equal("hvm", parsed.OsType);
        Assert.Equal(definition.Kernel, parsed.Kernel);
        Assert.Equal("destroy", parsed.OnReboot);
        Assert.Equal("Front-end web server", parsed.Description);
        Assert.Equal(["web", "production"], parsed.Tags);
        Assert.False(parsed.HasGuestAgentChannel);
        Assert.Empty(parsed.Filesystems);

        Assert.Equal(
            [
                new ParsedDisk("vda", "virtio", "disk", "file", "/var/lib/libvirt/images/web1-vda.qcow2", null, null, null, "qcow2", false, "web1-root"),
                new ParsedDisk("vdb", "virtio", "disk", "volume", null, "default", "web1-vdb.qcow2", null, "qcow2", false, null),
                new ParsedDisk("hdc", "ide", "cdrom", "file", "/var/lib/libvirt/images/debian-12.iso", null, null, null, "raw", true, null),
            ],
            parsed.Disks);
        Assert.Equal("/var/lib/libvirt/images/web1-vda.qcow2", parsed.Disks[0].SourcePath);
        Assert.Null(parsed.Disks[1].SourcePath);

        Assert.Equal(
            [
                new ParsedInterface("network", "default", null, "52:54:00:4a:1b:01", "virtio", null, null, null, null, null, null, null),
                new ParsedInterface("bridge", null, "ovsbr0", "52:54:00:4a:1b:02", "virtio", null, 42, 1250, 1250, "openvswitch", null, null),
            ],
            parsed.Interfaces);
    }

    [Fact]
    public void Lxc_domain_parses_back()
    {
        var parsed = DomainDescription.Parse(DomainXml.Build(Samples.LxcDomain()));
        Assert.Equal("ct1", parsed.Name);
        Assert.Equal("lxc", parsed.Type);
        Assert.Equal("exe", parsed.OsType);
        Assert.Equal(524288, parsed.MemoryKiB);
        Assert.Equal(524288, parsed.CurrentMemoryKiB);
        Assert.Equal(1, parsed.Vcpus);
        Assert.Equal(1, parsed.MaxVcpus);
        Assert.Null(parsed.Kernel);
        Assert.Empty(parsed.Disks);
        Assert.Empty(parsed.Tags);
        Assert.Null(parsed.Description);
        Assert.Equal([new FilesystemDefinition("/var/lib/simplestack/rootfs/ct1", "/")], parsed.Filesystems);
        var nic = Assert.Single(parsed.Interfaces);
        Assert.Equal("52:54:00:aa:00:01", nic.Mac);
        Assert.Null(nic.Model);
    }

    [Fact]
    public void Domain_without_uuid_parses_to_empty_guid()
    {
        var parsed = DomainDescription.Parse(DomainXml.Build(new DomainDefinition("n", "test", 1024, 1)));
        Assert.Equal(Guid.Empty, parsed.Uuid);
        Assert.Equal(1024, parsed.MemoryKiB);
    }

    [Fact]
    public void Network_parses_back()
    {
        var parsed = NetworkDescription.Parse(NetworkXml.Build(Samples.OvsVlanNetwork()));
        Assert.Equal("vlan42", parsed.Name);
        Assert.Equal(Guid.Parse("2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"), parsed.Uuid);
        Assert.Equal("bridge", parsed.Forward);
        Assert.Equal("ovsbr0", parsed.Bridge);
        Assert.Equal("openvswitch", parsed.VirtualPortType);
        Assert.Equal(42, parsed.Vlan);
        Assert.Equal("Staging VLAN", parsed.Description);
        Assert.Equal(new Dictionary<string, string> { ["owner"] = "ops", ["zone"] = "b" }, parsed.OtherConfig);

        var isolated = NetworkDescription.Parse(NetworkXml.Build(new NetworkDefinition("iso", "isolated")));
        Assert.Null(isolated.Forward);
        Assert.Null(isolated.Description);
        Assert.Empty(isolated.OtherConfig);
    }

    [Fact]
    public void Volume_parses_back()
    {
        var parsed = VolumeDescription.Parse(VolumeXml.Build(Samples.OverlayVolume() with { AllocationBytes = 4096 }));
        Assert.Equal(new VolumeDescription("web1-vda.qcow2", "qcow2", 10737418240, 4096, null, "/var/lib/libvirt/images/debian-12.qcow2"), parsed);
    }

    [Fact]
    public void Snapshot_parses_back()
    {
        var parsed = SnapshotDescription.Parse(SnapshotXml.Build("s1", "why"));
        Assert.Equal("s1", parsed.Name);
        Assert.Equal("why", parsed.Description);
        Assert.Null(parsed.Parent);
        Assert.Empty(parsed.DiskSnapshotPaths);
    }

    [Fact]
    public void Tags_metadata_round_trips_in_order_without_duplicates()
    {
        string[] tags = ["z", "a", "gäst-名前", "z", "<b>&amp;"];
        Assert.Equal(["z", "a", "gäst-名前", "<b>&amp;"], TagsMetadata.Parse(TagsMetadata.Build(tags)));
    }
}
