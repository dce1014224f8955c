using System.Xml.Linq;

namespace Simplestack.Drivers.Libvirt.Xml;

/// <summary>
/// What the driver needs from a domain's XML (<c>virDomainGetXMLDesc</c>). Tolerant: a missing
/// element gives null or a default; only malformed XML throws (<see cref="FormatException"/>).
/// </summary>
public sealed record DomainDescription(
    string Name,
    Guid Uuid,
    string Type,
    long MemoryKiB,
    long CurrentMemoryKiB,
    int Vcpus,
    int MaxVcpus,
    string OsType,
    KernelBoot? Kernel,
    string OnReboot,
    IReadOnlyList<ParsedDisk> Disks,
    IReadOnlyList<ParsedInterface> Interfaces,
    IReadOnlyList<string> Tags,
    string? Description,
    bool HasGuestAgentChannel,
    IReadOnlyList<FilesystemDefinition> Filesystems)
{
    public const string GuestAgentChannelName = "org.qemu.guest_agent.0";

    public static DomainDescription Parse(string xml)
    {
        var root = XmlSupport.Load(xml, "domain");
        var memory = XmlSupport.ScaledKiB(root.Element("memory")) ?? 0;
        var currentMemory = XmlSupport.ScaledKiB(root.Element("currentMemory")) ?? memory;
        var vcpu = root.Element("vcpu");
        var maxVcpus = XmlSupport.ParseInt(vcpu?.Value) ?? 0;
        var vcpus = XmlSupport.ParseInt(vcpu.Attr("current")) ?? maxVcpus;
        var os = root.Element("os");
        var kernelPath = os?.Element("kernel")?.Value;
        var kernel = kernelPath is null ? null : new KernelBoot(kernelPath, os!.Element("initrd")?.Value, os.Element("cmdline")?.Value);
        var devices = root.Element("devices");

        return new DomainDescription(
            Name: root.Element("name")?.Value ?? "",
            Uuid: XmlSupport.ParseGuid(root.Element("uuid")?.Value),
            Type: root.Attr("type") ?? "",
            MemoryKiB: memory,
            CurrentMemoryKiB: currentMemory,
            Vcpus: vcpus,
            MaxVcpus: maxVcpus,
            OsType: os?.Element("type")?.Value.Trim() ?? "hvm",
            Kernel: kernel,
            OnReboot: root.Element("on_reboot")?.Value.Trim() ?? "restart",
            Disks: devices?.Elements("disk").Select(ParsedDisk.FromElement).ToList() ?? [],
            Interfaces: devices?.Elements("interface").Select(ParsedInterface.FromElement).ToList() ?? [],
            Tags: TagsMetadata.FromElement(TagsMetadata.FindIn(root.Element("metadata"))),
            Description: root.Element("description")?.Value,
            HasGuestAgentChannel: devices?.Elements("channel").Any(c => c.Element("target").Attr("name") == GuestAgentChannelName) ?? false,
            Filesystems: devices?.Elements("filesystem")
                .Select(f => new FilesystemDefinition(
                    f.Element("source").Attr("dir") ?? f.Element("source").Attr("name") ?? f.Element("source").Attr("file") ?? "",
                    f.Element("target").Attr("dir") ?? ""))
                .ToList() ?? []);
    }
}

/// <summary>A disk of a parsed domain.</summary>
public sealed record ParsedDisk(
    string Target,
    string Bus,
    string Device,
    string SourceType,
    string? SourceFile,
    string? SourcePool,
    string? SourceVolume,
    string? SourceDevice,
    string? Format,
    bool ReadOnly,
    string? Serial)
{
    /// <summary>The file or block device holding the data, when the source names one directly.</summary>
    public string? SourcePath => SourceFile ?? SourceDevice;

    internal static ParsedDisk FromElement(XElement disk)
    {
        var source = disk.Element("source");
        var target = disk.Element("target");
        return new ParsedDisk(
            Target: target.Attr("dev") ?? "",
            Bus: target.Attr("bus") ?? "",
            Device: disk.Attr("device") ?? "disk",
            SourceType: disk.Attr("type") ?? "file",
            SourceFile: source.Attr("file"),
            SourcePool: source.Attr("pool"),
            SourceVolume: source.Attr("volume"),
            SourceDevice: source.Attr("dev"),
            Format: disk.Element("driver").Attr("type"),
            ReadOnly: disk.Element("readonly") is not null,
            Serial: disk.Element("serial")?.Value);
    }
}

/// <summary>A network interface of a parsed domain.</summary>
public sealed record ParsedInterface(
    string Type,
    string? Network,
    string? Bridge,
    string Mac,
    string? Model,
    string? TargetDevice,
    int? Vlan,
    long? InboundAverageKBps,
    long? OutboundAverageKBps,
    string? VirtualPortType,
    string? PortGroup,
    string? FilterRef)
{
    internal static ParsedInterface FromElement(XElement nic)
    {
        var source = nic.Element("source");
        var bandwidth = nic.Element("bandwidth");
        return new ParsedInterface(
            Type: nic.Attr("type") ?? "",
            Network: source.Attr("network"),
            Bridge: source.Attr("bridge"),
            Mac: nic.Element("mac").Attr("address") ?? "",
            Model: nic.Element("model").Attr("type"),
            TargetDevice: nic.Element("target").Attr("dev"),
            Vlan: XmlSupport.ParseInt(nic.Element("vlan")?.Element("tag").Attr("id")),
            InboundAverageKBps: XmlSupport.ParseLong(bandwidth?.Element("inbound").Attr("average")),
            OutboundAverageKBps: XmlSupport.ParseLong(bandwidth?.Element("outbound").Attr("average")),
            VirtualPortType: nic.Element("virtualport").Attr("type"),
            PortGroup: source.Attr("portgroup"),
            FilterRef: nic.Element("filterref").Attr("filter"));
    }
}
