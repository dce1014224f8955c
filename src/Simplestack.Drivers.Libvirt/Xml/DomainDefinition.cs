namespace Simplestack.Drivers.Libvirt.Xml;

/// <summary>What <see cref="DomainXml.Build"/> turns into a libvirt domain definition.</summary>
/// <param name="Name">The domain name (see <see cref="LibvirtNames"/>).</param>
/// <param name="Type">The domain type: <c>kvm</c>, <c>qemu</c>, <c>lxc</c> or <c>test</c>.</param>
/// <param name="MemoryKiB">The current memory (<c>&lt;currentMemory&gt;</c>).</param>
/// <param name="Vcpus">The current number of vCPUs.</param>
public sealed record DomainDefinition(string Name, string Type, long MemoryKiB, int Vcpus)
{
    public Guid? Uuid { get; init; }

    /// <summary>When larger than <see cref="Vcpus"/>: <c>&lt;vcpu current='Vcpus'&gt;MaxVcpus&lt;/vcpu&gt;</c> (vCPU hot-plug).</summary>
    public int? MaxVcpus { get; init; }

    /// <summary><c>&lt;memory&gt;</c> is this maximum, <c>&lt;currentMemory&gt;</c> is <see cref="MemoryKiB"/>.</summary>
    public long? MaxMemoryKiB { get; init; }

    /// <summary><c>hvm</c>, or <c>exe</c> for LXC.</summary>
    public string OsType { get; init; } = "hvm";

    /// <summary>The guest architecture; not written for LXC.</summary>
    public string Arch { get; init; } = "x86_64";

    public KernelBoot? Kernel { get; init; }

    /// <summary><c>&lt;boot dev=…/&gt;</c> entries for hvm guests without a direct kernel boot.</summary>
    public IReadOnlyList<string> BootDevices { get; init; } = ["hd"];

    /// <summary>The LXC <c>&lt;init&gt;</c> program.</summary>
    public string? Init { get; init; }

    public IReadOnlyList<DiskDefinition> Disks { get; init; } = [];

    public IReadOnlyList<InterfaceDefinition> Interfaces { get; init; } = [];

    public IReadOnlyList<FilesystemDefinition> Filesystems { get; init; } = [];

    /// <summary>A pty serial port with its console (LXC: a pty console only).</summary>
    public bool SerialConsole { get; init; } = true;

    /// <summary>When set, the serial port is a unix socket bound at this path instead of a pty.</summary>
    public string? SerialSocketPath { get; init; }

    /// <summary>A VNC graphical console listening on no address (kvm/qemu only), reached through the console route.</summary>
    public bool VncConsole { get; init; } = true;

    public bool VirtioScsiController { get; init; }

    /// <summary>A virtio balloon for kvm/qemu; never written for lxc/test.</summary>
    public bool MemoryBalloon { get; init; } = true;

    public string OnPoweroff { get; init; } = "destroy";

    public string OnReboot { get; init; } = "restart";

    public string OnCrash { get; init; } = "destroy";

    /// <summary><c>&lt;features&gt;&lt;acpi/&gt;&lt;apic/&gt;&lt;/features&gt;</c> for hvm guests.</summary>
    public bool Acpi { get; init; } = true;

    /// <summary>Written as the <see cref="TagsMetadata"/> element inside <c>&lt;metadata&gt;</c>.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    public string? Description { get; init; }
}

/// <summary>A direct kernel boot: <c>&lt;kernel&gt;</c>, <c>&lt;initrd&gt;</c>, <c>&lt;cmdline&gt;</c>.</summary>
public sealed record KernelBoot(string Kernel, string? Initrd, string? Cmdline);

/// <summary>A disk device.</summary>
/// <param name="Target">The target device name: <c>vda</c>, <c>sda</c>, <c>hdc</c>…</param>
/// <param name="Bus"><c>virtio</c>, <c>scsi</c>, <c>sata</c>, <c>ide</c> or <c>usb</c>.</param>
/// <param name="Source">Where the data lives; null for an empty CD-ROM drive.</param>
public sealed record DiskDefinition(string Target, string Bus, DiskSource? Source)
{
    /// <summary><c>disk</c> or <c>cdrom</c>.</summary>
    public string Device { get; init; } = "disk";

    /// <summary><c>qcow2</c> or <c>raw</c>: written as <c>&lt;driver name='qemu' type=…/&gt;</c>.</summary>
    public string? Format { get; init; }

    public bool ReadOnly { get; init; }

    public string? Serial { get; init; }
}

/// <summary>The source of a disk.</summary>
public abstract record DiskSource;

/// <summary><c>type='file'</c>, <c>&lt;source file=…/&gt;</c>.</summary>
public sealed record FileDiskSource(string Path) : DiskSource;

/// <summary><c>type='volume'</c>, <c>&lt;source pool=… volume=…/&gt;</c>.</summary>
public sealed record VolumeDiskSource(string Pool, string Volume) : DiskSource;

/// <summary><c>type='block'</c>, <c>&lt;source dev=…/&gt;</c>.</summary>
public sealed record BlockDiskSource(string Device) : DiskSource;

/// <summary>A network interface.</summary>
/// <param name="Kind"><c>network</c> or <c>bridge</c>.</param>
/// <param name="Source">The network name or the bridge name.</param>
public sealed record InterfaceDefinition(string Kind, string Source)
{
    public string? Mac { get; init; }

    public string? Model { get; init; } = "virtio";

    /// <summary><c>&lt;virtualport type='openvswitch'/&gt;</c>.</summary>
    public bool OpenvSwitch { get; init; }

    /// <summary><c>&lt;vlan&gt;&lt;tag id=…/&gt;&lt;/vlan&gt;</c>.</summary>
    public int? Vlan { get; init; }

    /// <summary>Inbound and outbound average in kB/s (libvirt's unit for <c>&lt;bandwidth&gt;</c>).</summary>
    public long? RateLimitKiloBytesPerSecond { get; init; }

    public string? PortGroup { get; init; }
}

/// <summary>A host directory mounted into a guest (<c>&lt;filesystem type='mount'&gt;</c>).</summary>
public sealed record FilesystemDefinition(string SourceDir, string TargetDir);
