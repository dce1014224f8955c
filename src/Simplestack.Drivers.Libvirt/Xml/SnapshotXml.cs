using System.Xml.Linq;

namespace Simplestack.Drivers.Libvirt.Xml;

/// <summary>Builds libvirt domain snapshot XML (https://libvirt.org/formatsnapshot.html).</summary>
public static class SnapshotXml
{
    /// <summary><c>&lt;domainsnapshot&gt;&lt;name/&gt;&lt;description/&gt;&lt;/domainsnapshot&gt;</c>.</summary>
    public static string Build(string name, string? description)
    {
        LibvirtNames.ValidateName("snapshot", name);
        var root = new XElement("domainsnapshot", new XElement("name", name));
        if (description is not null)
        {
            root.Add(new XElement("description", description));
        }

        return XmlSupport.Write(root);
    }
}

/// <summary>What the driver needs from a snapshot's XML (<c>virDomainSnapshotGetXMLDesc</c>).</summary>
/// <param name="State">The domain state the snapshot captured (<c>running</c>, <c>shutoff</c>, <c>disk-snapshot</c>…).</param>
/// <param name="Parent">The parent snapshot's name, if any.</param>
/// <param name="DiskSnapshotPaths">The files of external disk snapshots.</param>
public sealed record SnapshotDescription(
    string Name,
    string State,
    DateTimeOffset Created,
    string? Description,
    string? Parent,
    IReadOnlyList<string> DiskSnapshotPaths)
{
    public static SnapshotDescription Parse(string xml)
    {
        var root = XmlSupport.Load(xml, "domainsnapshot");
        var seconds = XmlSupport.ParseLong(root.Element("creationTime")?.Value) ?? 0;
        DateTimeOffset created;
        try
        {
            created = DateTimeOffset.FromUnixTimeSeconds(seconds);
        }
        catch (ArgumentOutOfRangeException)
        {
            created = DateTimeOffset.UnixEpoch;
        }

        var paths = root.Element("disks")?.Elements("disk")
            .Select(d => d.Element("source"))
            .Select(s => s.Attr("file") ?? s.Attr("dev"))
            .OfType<string>()
            .ToList() ?? [];

        return new SnapshotDescription(
            Name: root.Element("name")?.Value ?? "",
            State: root.Element("state")?.Value.Trim() ?? "",
            Created: created,
            Description: root.Element("description")?.Value,
            Parent: root.Element("parent")?.Element("name")?.Value,
            DiskSnapshotPaths: paths);
    }
}
