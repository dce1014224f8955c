using System.Xml.Linq;
using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Xml;

/// <summary>A storage volume to create (https://libvirt.org/formatstorage.html#storage-volume-xml).</summary>
/// <param name="Format"><c>qcow2</c>, <c>raw</c> or <c>iso</c>.</param>
public sealed record VolumeDefinition(string Name, long CapacityBytes, string Format)
{
    public long AllocationBytes { get; init; }

    /// <summary>A backing file: the new volume is a copy-on-write overlay on it.</summary>
    public string? BackingPath { get; init; }

    public string? BackingFormat { get; init; }
}

/// <summary>Builds libvirt storage volume XML.</summary>
public static class VolumeXml
{
    public static string Build(VolumeDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        LibvirtNames.ValidateName("volume", definition.Name);
        if (definition.CapacityBytes < 0 || definition.AllocationBytes < 0)
        {
            throw new InvalidArgumentException("A volume's capacity and allocation must not be negative.");
        }

        var root = new XElement(
            "volume",
            new XElement("name", definition.Name),
            new XElement("capacity", new XAttribute("unit", "bytes"), XmlSupport.Invariant(definition.CapacityBytes)),
            new XElement("allocation", new XAttribute("unit", "bytes"), XmlSupport.Invariant(definition.AllocationBytes)),
            new XElement("target", new XElement("format", new XAttribute("type", definition.Format))));
        if (definition.BackingPath is not null)
        {
            var backing = new XElement("backingStore", new XElement("path", definition.BackingPath));
            if (definition.BackingFormat is not null)
            {
                backing.Add(new XElement("format", new XAttribute("type", definition.BackingFormat)));
            }

            root.Add(backing);
        }

        return XmlSupport.Write(root);
    }
}

/// <summary>What the driver needs from a volume's XML (<c>virStorageVolGetXMLDesc</c>).</summary>
public sealed record VolumeDescription(string Name, string? Format, long CapacityBytes, long AllocationBytes, string? Path, string? BackingPath)
{
    public static VolumeDescription Parse(string xml)
    {
        var root = XmlSupport.Load(xml, "volume");
        var target = root.Element("target");
        return new VolumeDescription(
            Name: root.Element("name")?.Value ?? "",
            Format: target?.Element("format").Attr("type"),
            CapacityBytes: XmlSupport.ScaledBytes(root.Element("capacity"), "bytes") ?? 0,
            AllocationBytes: XmlSupport.ScaledBytes(root.Element("allocation"), "bytes") ?? 0,
            Path: target?.Element("path")?.Value,
            BackingPath: root.Element("backingStore")?.Element("path")?.Value);
    }
}
