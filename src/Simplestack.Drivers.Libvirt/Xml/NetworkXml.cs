using System.Xml.Linq;
using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Xml;

/// <summary>A libvirt virtual network to define (https://libvirt.org/formatnetwork.html).</summary>
/// <param name="Name">The network name (see <see cref="LibvirtNames"/>).</param>
/// <param name="Forward"><c>nat</c>, <c>bridge</c>, <c>route</c> or <c>isolated</c> (no <c>&lt;forward&gt;</c>).</param>
public sealed record NetworkDefinition(string Name, string Forward)
{
    public Guid? Uuid { get; init; }

    public string? Bridge { get; init; }

    /// <summary><c>&lt;virtualport type='openvswitch'/&gt;</c>.</summary>
    public bool OpenvSwitch { get; init; }

    /// <summary><c>&lt;vlan&gt;&lt;tag id=…/&gt;&lt;/vlan&gt;</c>.</summary>
    public int? Vlan { get; init; }

    /// <summary>Kept in <c>&lt;metadata&gt;</c> under our namespace (libvirt networks have no <c>&lt;description&gt;</c>).</summary>
    public string? Description { get; init; }

    /// <summary>Free key/value pairs, kept in <c>&lt;metadata&gt;</c> too.</summary>
    public IReadOnlyDictionary<string, string> OtherConfig { get; init; } = new Dictionary<string, string>();

    public NetworkAddressing? Ipv4 { get; init; }
}

/// <summary><c>&lt;ip address netmask&gt;&lt;dhcp&gt;&lt;range start end/&gt;&lt;/dhcp&gt;&lt;/ip&gt;</c>; DHCP only when both ends are given.</summary>
public sealed record NetworkAddressing(string Address, string Netmask, string? DhcpStart, string? DhcpEnd);

/// <summary>Builds libvirt network XML.</summary>
public static class NetworkXml
{
    /// <summary>The namespace of our element in a network's <c>&lt;metadata&gt;</c>.</summary>
    public const string MetadataNamespaceUri = "https://simplestack.dev/xmlns/network/1";
    public const string MetadataPrefix = "simplestack";

    public static string Build(NetworkDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        LibvirtNames.ValidateName("network", definition.Name);
        var root = new XElement("network", new XElement("name", definition.Name));
        if (definition.Uuid is { } uuid)
        {
            root.Add(new XElement("uuid", XmlSupport.FormatGuid(uuid)));
        }

        if (definition.Description is not null || definition.OtherConfig.Count > 0)
        {
            XNamespace ns = MetadataNamespaceUri;
            var ours = new XElement(ns + "network", new XAttribute(XNamespace.Xmlns + MetadataPrefix, MetadataNamespaceUri));
            if (definition.Description is not null)
            {
                ours.Add(new XElement(ns + "description", definition.Description));
            }

            foreach (var (key, value) in definition.OtherConfig.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                ours.Add(new XElement(ns + "other-config", new XAttribute("key", key), value));
            }

            root.Add(new XElement("metadata", ours));
        }

        switch (definition.Forward)
        {
            case "nat" or "bridge" or "route":
                root.Add(new XElement("forward", new XAttribute("mode", definition.Forward)));
                break;
            case "isolated":
                break;
            default:
                throw new InvalidArgumentException(
                    $"Unknown forward mode '{definition.Forward}': expected nat, bridge, route or isolated.");
        }

        if (definition.Bridge is not null)
        {
            root.Add(new XElement("bridge", new XAttribute("name", definition.Bridge)));
        }
        else if (definition.Forward == "bridge")
        {
            throw new InvalidArgumentException("A bridged network needs the name of the host bridge.");
        }

        if (definition.OpenvSwitch)
        {
            root.Add(new XElement("virtualport", new XAttribute("type", "openvswitch")));
        }

        if (definition.Vlan is { } vlan)
        {
            if (vlan is < 0 or > 4095)
            {
                throw new InvalidArgumentException($"The VLAN tag {vlan} is outside 0..4095.");
            }

            root.Add(DomainXml.VlanElement(vlan));
        }

        if (definition.Ipv4 is { } ip)
        {
            var ipElement = new XElement("ip", new XAttribute("address", ip.Address), new XAttribute("netmask", ip.Netmask));
            if (ip.DhcpStart is not null && ip.DhcpEnd is not null)
            {
                ipElement.Add(new XElement(
                    "dhcp",
                    new XElement("range", new XAttribute("start", ip.DhcpStart), new XAttribute("end", ip.DhcpEnd))));
            }

            root.Add(ipElement);
        }

        return XmlSupport.Write(root);
    }
}

/// <summary>What the driver needs from a network's XML (<c>virNetworkGetXMLDesc</c>).</summary>
/// <param name="Forward">The forward mode; null for an isolated network.</param>
public sealed record NetworkDescription(
    string Name,
    Guid Uuid,
    string? Forward,
    string? Bridge,
    string? VirtualPortType,
    int? Vlan,
    string? Description,
    IReadOnlyDictionary<string, string> OtherConfig)
{
    public static NetworkDescription Parse(string xml)
    {
        var root = XmlSupport.Load(xml, "network");
        var forward = root.Element("forward");
        XNamespace ns = NetworkXml.MetadataNamespaceUri;
        var ours = root.Element("metadata")?.Element(ns + "network");
        var otherConfig = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in ours?.Elements(ns + "other-config") ?? [])
        {
            if (entry.Attr("key") is { } key)
            {
                otherConfig[key] = entry.Value;
            }
        }

        return new NetworkDescription(
            Name: root.Element("name")?.Value ?? "",
            Uuid: XmlSupport.ParseGuid(root.Element("uuid")?.Value),
            // libvirt's default forward mode is nat when <forward> names none.
            Forward: forward is null ? null : forward.Attr("mode") ?? "nat",
            Bridge: root.Element("bridge").Attr("name"),
            VirtualPortType: root.Element("virtualport").Attr("type"),
            Vlan: XmlSupport.ParseInt(root.Element("vlan")?.Element("tag").Attr("id")),
            Description: ours?.Element(ns + "description")?.Value,
            OtherConfig: otherConfig);
    }
}
