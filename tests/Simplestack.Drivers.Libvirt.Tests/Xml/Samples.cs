using Simplestack.Drivers.Libvirt.Xml;

namespace Simplestack.Drivers.Libvirt.Tests.Xml;

/// <summary>The definitions behind the golden files.</summary>
internal static class Samples
{
    public static readonly Guid QemuUuid = Guid.Parse("4dea22b3-1d52-d8f3-2516-782e98ab3fa0");

    public static DomainDefinition QemuDomain() => new("web1", "qemu", 1048576, 2)
    {
        Uuid = QemuUuid,
        MaxVcpus = 4,
        MaxMemoryKiB = 2097152,
        Kernel = new KernelBoot("/var/lib/libvirt/boot/vmlinuz", "/var/lib/libvirt/boot/initrd.gz", "console=ttyS0 auto=true priority=critical"),
        OnReboot = "destroy",
        Description = "Front-end web server",
        Tags = ["web", "production", "web"],
        Disks =
        [
            new DiskDefinition("vda", "virtio", new FileDiskSource("/var/lib/libvirt/images/web1-vda.qcow2")) { Format = "qcow2", Serial = "web1-root" },
            new DiskDefinition("vdb", "virtio", new VolumeDiskSource("default", "web1-vdb.qcow2")) { Format = "qcow2" },
            new DiskDefinition("hdc", "ide", new FileDiskSource("/var/lib/libvirt/images/debian-12.iso")) { Device = "cdrom", Format = "raw", ReadOnly = true },
        ],
        Interfaces =
        [
            new InterfaceDefinition("network", "default") { Mac = "52:54:00:4a:1b:01" },
            new InterfaceDefinition("bridge", "ovsbr0") { Mac = "52:54:00:4a:1b:02", OpenvSwitch = true, Vlan = 42, RateLimitKiloBytesPerSecond = 1250 },
        ],
    };

    public static DomainDefinition LxcDomain() => new("ct1", "lxc", 524288, 1)
    {
        Uuid = Guid.Parse("b7f7f3c4-8a2e-4b7d-9c1e-2f6a5d3e4c10"),
        OsType = "exe",
        Init = "/sbin/init",
        Filesystems = [new FilesystemDefinition("/var/lib/simplestack/rootfs/ct1", "/")],
        Interfaces = [new InterfaceDefinition("network", "default") { Mac = "52:54:00:aa:00:01", Model = null }],
    };

    public static DomainDefinition TestDomain() => new("t1", "test", 1048576, 2)
    {
        Uuid = Guid.Parse("0f3e5a4c-1b2d-4e6f-8a9b-0c1d2e3f4a5b"),
        Disks = [new DiskDefinition("vda", "virtio", new FileDiskSource("/default-pool/t1-vda.qcow2")) { Format = "qcow2" }],
        Interfaces = [new InterfaceDefinition("network", "default") { Mac = "52:54:00:00:00:01" }],
    };

    public static NetworkDefinition OvsVlanNetwork() => new("vlan42", "bridge")
    {
        Uuid = Guid.Parse("2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"),
        Bridge = "ovsbr0",
        OpenvSwitch = true,
        Vlan = 42,
        Description = "Staging VLAN",
        OtherConfig = new Dictionary<string, string> { ["zone"] = "b", ["owner"] = "ops" },
    };

    public static NetworkDefinition NatNetwork() => new("nat1", "nat")
    {
        Uuid = Guid.Parse("6f1e2d3c-4b5a-4987-8a6b-5c4d3e2f1a0b"),
        Bridge = "virbr10",
        Ipv4 = new NetworkAddressing("192.168.150.1", "255.255.255.0", "192.168.150.2", "192.168.150.254"),
    };

    public static VolumeDefinition OverlayVolume() => new("web1-vda.qcow2", 10737418240, "qcow2")
    {
        BackingPath = "/var/lib/libvirt/images/debian-12.qcow2",
        BackingFormat = "qcow2",
    };
}
