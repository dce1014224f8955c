using System.Xml.Linq;
using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Xml;

/// <summary>
/// Builds libvirt domain XML (https://libvirt.org/formatdomain.html) and edits the XML of an
/// existing domain (<c>DomainXml.Edits.cs</c>). Pure functions: no I/O, no libvirt calls.
/// </summary>
public static partial class DomainXml
{
    /// <summary>The libvirt domain definition for <paramref name="definition"/>.</summary>
    public static string Build(DomainDefinition definition) => XmlSupport.Write(BuildElement(definition));

    /// <summary>A single <c>&lt;disk&gt;</c> element, for attach, detach and update.</summary>
    public static string BuildDisk(DiskDefinition disk) => XmlSupport.Write(DiskElement(disk));

    /// <summary>A single <c>&lt;interface&gt;</c> element, for attach, detach and update.</summary>
    public static string BuildInterface(InterfaceDefinition nic) => XmlSupport.Write(InterfaceElement(nic));

    internal static XElement BuildElement(DomainDefinition d)
    {
        ArgumentNullException.ThrowIfNull(d);
        LibvirtNames.ValidateName("guest", d.Name);
        if (d.MemoryKiB <= 0)
        {
            throw new InvalidArgumentException("The memory must be positive.");
        }

        if (d.Vcpus <= 0)
        {
            throw new InvalidArgumentException("The number of vCPUs must be positive.");
        }

        var isLxc = d.Type == "lxc";
        var isHvm = d.OsType == "hvm";
        var root = new XElement("domain", new XAttribute("type", d.Type), new XElement("name", d.Name));
        if (d.Uuid is { } uuid)
        {
            root.Add(new XElement("uuid", XmlSupport.FormatGuid(uuid)));
        }

        if (d.Description is not null)
        {
            root.Add(new XElement("description", d.Description));
        }

        if (d.Tags.Count > 0)
        {
            root.Add(new XElement("metadata", TagsMetadata.BuildElement(d.Tags, withPrefix: true)));
        }

        var maxMemory = Math.Max(d.MaxMemoryKiB ?? d.MemoryKiB, d.MemoryKiB);
        root.Add(
            new XElement("memory", new XAttribute("unit", "KiB"), XmlSupport.Invariant(maxMemory)),
            new XElement("currentMemory", new XAttribute("unit", "KiB"), XmlSupport.Invariant(d.MemoryKiB)),
            VcpuElement(d.Vcpus, d.MaxVcpus));

        var os = new XElement("os");
        var type = new XElement("type", d.OsType);
        if (!isLxc && !string.IsNullOrEmpty(d.Arch))
        {
            type.SetAttributeValue("arch", d.Arch);
        }

        os.Add(type);
        if (d.Init is not null)
        {
            os.Add(new XElement("init", d.Init));
        }

        if (d.Kernel is { } kernel)
        {
            os.Add(new XElement("kernel", kernel.Kernel));
            if (kernel.Initrd is not null)
            {
                os.Add(new XElement("initrd", kernel.Initrd));
            }

            if (kernel.Cmdline is not null)
            {
                os.Add(new XElement("cmdline", kernel.Cmdline));
            }
        }
        else if (isHvm)
        {
            foreach (var dev in d.BootDevices)
            {
                os.Add(new XElement("boot", new XAttribute("dev", dev)));
            }
        }

        root.Add(os);
        if (isHvm && d.Acpi)
        {
            root.Add(new XElement("features", new XElement("acpi"), new XElement("apic")));
        }

        root.Add(
            new XElement("on_poweroff", d.OnPoweroff),
            new XElement("on_reboot", d.OnReboot),
            new XElement("on_crash", d.OnCrash));

        var devices = new XElement("devices");
        foreach (var disk in d.Disks)
        {
            devices.Add(DiskElement(disk));
        }

        if (d.VirtioScsiController)
        {
            devices.Add(new XElement("controller", new XAttribute("type", "scsi"), new XAttribute("index", "0"), new XAttribute("model", "virtio-scsi")));
        }

        foreach (var fs in d.Filesystems)
        {
            devices.Add(new XElement(
                "filesystem",
                new XAttribute("type", "mount"),
                new XElement("source", new XAttribute("dir", fs.SourceDir)),
                new XElement("target", new XAttribute("dir", fs.TargetDir))));
        }

        foreach (var nic in d.Interfaces)
        {
            devices.Add(InterfaceElement(nic));
        }

        if (d.SerialSocketPath is { } socket && !isLxc)
        {
            devices.Add(new XElement(
                "serial",
                new XAttribute("type", "unix"),
                new XElement("source", new XAttribute("mode", "bind"), new XAttribute("path", socket)),
                new XElement("target", new XAttribute("port", "0"))));
        }
        else if (d.SerialConsole && isLxc)
        {
            devices.Add(new XElement("console", new XAttribute("type", "pty")));
        }
        else if (d.SerialConsole)
        {
            devices.Add(
                new XElement("serial", new XAttribute("type", "pty"), new XElement("target", new XAttribute("port", "0"))),
                new XElement(
                    "console",
                    new XAttribute("type", "pty"),
                    new XElement("target", new XAttribute("type", "serial"), new XAttribute("port", "0"))));
        }

        if (d.Type is "kvm" or "qemu" && d.VncConsole)
        {
            // A VNC server that listens nowhere: its only way in is virDomainOpenGraphicsFD (the console route).
            devices.Add(new XElement("graphics", new XAttribute("type", "vnc"), new XElement("listen", new XAttribute("type", "none"))));
        }

        if (d.Type is "kvm" or "qemu")
        {
            // QEMU guests get a balloon unless told otherwise, hence model='none' to go without.
            devices.Add(new XElement("memballoon", new XAttribute("model", d.MemoryBalloon ? "virtio" : "none")));
        }

        root.Add(devices);
        return root;
    }

    private static XElement VcpuElement(int current, int? max)
    {
        var vcpu = new XElement("vcpu", new XAttribute("placement", "static"));
        if (max is { } m && m > current)
        {
            vcpu.SetAttributeValue("current", XmlSupport.Invariant(current));
            vcpu.Value = XmlSupport.Invariant(m);
        }
        else
        {
            vcpu.Value = XmlSupport.Invariant(current);
        }

        return vcpu;
    }

    internal static XElement DiskElement(DiskDefinition disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        if (string.IsNullOrEmpty(disk.Target))
        {
            throw new InvalidArgumentException("The disk target must not be empty.");
        }

        var element = new XElement("disk", new XAttribute("type", SourceType(disk.Source)), new XAttribute("device", disk.Device));
        if (disk.Format is not null)
        {
            element.Add(new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", disk.Format)));
        }

        if (SourceElement(disk.Source) is { } source)
        {
            element.Add(source);
        }

        element.Add(new XElement("target", new XAttribute("dev", disk.Target), new XAttribute("bus", disk.Bus)));
        if (disk.ReadOnly)
        {
            element.Add(new XElement("readonly"));
        }

        if (disk.Serial is not null)
        {
            element.Add(new XElement("serial", disk.Serial));
        }

        return element;
    }

    private static string SourceType(DiskSource? source) => source switch
    {
        null or FileDiskSource => "file",
        VolumeDiskSource => "volume",
        BlockDiskSource => "block",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown disk source."),
    };

    private static XElement? SourceElement(DiskSource? source) => source switch
    {
        null => null,
        FileDiskSource f => new XElement("source", new XAttribute("file", f.Path)),
        VolumeDiskSource v => new XElement("source", new XAttribute("pool", v.Pool), new XAttribute("volume", v.Volume)),
        BlockDiskSource b => new XElement("source", new XAttribute("dev", b.Device)),
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown disk source."),
    };

    internal static XElement InterfaceElement(InterfaceDefinition nic)
    {
        ArgumentNullException.ThrowIfNull(nic);
        var sourceAttribute = nic.Kind switch
        {
            "network" => "network",
            "bridge" => "bridge",
            _ => throw new InvalidArgumentException($"Unknown interface kind '{nic.Kind}': expected 'network' or 'bridge'."),
        };

        var element = new XElement("interface", new XAttribute("type", nic.Kind));
        if (nic.Mac is not null)
        {
            element.Add(new XElement("mac", new XAttribute("address", nic.Mac)));
        }

        var source = new XElement("source", new XAttribute(sourceAttribute, nic.Source));
        if (nic.PortGroup is not null)
        {
            source.SetAttributeValue("portgroup", nic.PortGroup);
        }

        element.Add(source);
        if (nic.Vlan is { } vlan)
        {
            element.Add(VlanElement(vlan));
        }

        if (nic.OpenvSwitch)
        {
            element.Add(new XElement("virtualport", new XAttribute("type", "openvswitch")));
        }

        if (nic.Model is not null)
        {
            element.Add(new XElement("model", new XAttribute("type", nic.Model)));
        }

        if (nic.RateLimitKiloBytesPerSecond is { } rate)
        {
            element.Add(BandwidthElement(rate));
        }

        return element;
    }

    internal static XElement VlanElement(int tag) =>
        new("vlan", new XElement("tag", new XAttribute("id", XmlSupport.Invariant(tag))));

    private static XElement BandwidthElement(long kiloBytesPerSecond)
    {
        if (kiloBytesPerSecond <= 0)
        {
            throw new InvalidArgumentException("A rate limit must be positive.");
        }

        var value = XmlSupport.Invariant(kiloBytesPerSecond);
        return new XElement(
            "bandwidth",
            new XElement("inbound", new XAttribute("average", value)),
            new XElement("outbound", new XAttribute("average", value)));
    }
}
