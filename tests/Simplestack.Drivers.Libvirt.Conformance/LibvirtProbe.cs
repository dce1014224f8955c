using System.Globalization;
using System.Xml.Linq;
using Simplestack.Drivers.Conformance;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt.Conformance;

/// <summary>
/// A probe that asks libvirt through the binding, on the connection the driver uses, and reads
/// libvirt's XML itself (XDocument, not the driver's parsers: the test's reading is independent).
/// <paramref name="volumeFilter"/> narrows <see cref="VolumePaths"/> to the volumes these tests can
/// make, where other test runs make volumes on the same libvirtd at the same time.
/// </summary>
public sealed class LibvirtProbe(LibvirtConnection connection, Func<string, bool>? volumeFilter = null) : IHypervisorProbe
{
    /// <summary>VIR_DOMAIN_XML_INACTIVE: the persistent definition rather than the running guest.</summary>
    private const DomainXmlFlags Persistent = DomainXmlFlags.Inactive;

    public bool GuestExists(string name)
    {
        using var domain = connection.TryLookupDomainByName(name);
        return domain is not null;
    }

    public ProbedPower Power(string name)
    {
        using var domain = Domain(name);
        return domain.GetState().State switch
        {
            DomainState.Running => ProbedPower.Running,
            DomainState.Paused => ProbedPower.Paused,
            DomainState.Shutoff => ProbedPower.Stopped,
            _ => ProbedPower.Other,
        };
    }

    /// <summary>libvirt's word for the state, as <c>virsh domstate</c> prints it.</summary>
    public string NativeState(string name)
    {
        using var domain = Domain(name);
        return domain.GetState().State.ToString().ToLowerInvariant();
    }

    public long DefinedMemoryMiB(string name) => long.Parse(Definition(name).Element("currentMemory")!.Value, CultureInfo.InvariantCulture) / 1024;

    public int DefinedCpus(string name)
    {
        var vcpu = Definition(name).Element("vcpu")!;
        return int.Parse(vcpu.Attribute("current")?.Value ?? vcpu.Value, CultureInfo.InvariantCulture);
    }

    public IReadOnlyList<ProbedDisk> Disks(string name, bool live = false)
        => [.. DiskElements(Definition(name, live), "disk").Select(d =>
        {
            var path = d.Element("source")?.Attribute("file")?.Value;
            return new ProbedDisk(d.Element("target")!.Attribute("dev")!.Value, path, path is null ? 0 : Capacity(path));
        })];

    public ProbedMedia? Media(string name)
        => DiskElements(Definition(name), "cdrom").FirstOrDefault() is { } cdrom
            ? new ProbedMedia(cdrom.Element("source")?.Attribute("file")?.Value)
            : null;

    public IReadOnlyList<ProbedNic> Nics(string name)
        => [.. Definition(name).Element("devices")!.Elements("interface").Select(i =>
        {
            var source = i.Element("source");
            // libvirt's bandwidth is in KiB/s; the API's rate limit in bits/s (the original's rule: 8192 bits a KiB).
            var average = i.Element("bandwidth")?.Element("inbound")?.Attribute("average")?.Value;
            return new ProbedNic(
                i.Element("mac")!.Attribute("address")!.Value.ToLowerInvariant(),
                source?.Attribute("network")?.Value ?? source?.Attribute("bridge")?.Value,
                average is null ? null : long.Parse(average, CultureInfo.InvariantCulture) * 8192);
        })];

    /// <summary>The <c>tag</c> elements in the definition's metadata, whatever namespace prefix the driver chose.</summary>
    public IReadOnlyList<string> Tags(string name, bool live = false)
        => [.. (Definition(name, live).Element("metadata")?.Elements() ?? [])
            .Where(e => e.Name.LocalName == "tags" && e.Name.NamespaceName.Length > 0)
            .SelectMany(e => e.Elements(e.Name.Namespace + "tag"))
            .Select(t => t.Value)];

    public IReadOnlyList<string> SnapshotNames(string guestName)
    {
        using var domain = Domain(guestName);
        var snapshots = domain.ListAllSnapshots();
        var names = snapshots.Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
        foreach (var snapshot in snapshots)
        {
            snapshot.Dispose();
        }

        return names;
    }

    public ProbedNetwork? Network(string name)
    {
        using var network = connection.TryLookupNetworkByName(name);
        if (network is null)
        {
            return null;
        }

        var xml = XDocument.Parse(network.GetXmlDesc()).Root!;
        var vlan = xml.Element("vlan")?.Element("tag")?.Attribute("id")?.Value;
        var bridge = xml.Element("bridge")?.Attribute("name")?.Value;
        return new ProbedNetwork(network.IsActive, network.IsPersistent, network.Autostart,
            bridge, vlan is null ? null : int.Parse(vlan, CultureInfo.InvariantCulture), Switch: bridge);
    }

    /// <summary>The network's libvirt XML, for what only libvirt has a word for (its virtual port type).</summary>
    public XElement NetworkXml(string name)
    {
        using var network = connection.TryLookupNetworkByName(name) ?? throw new InvalidOperationException($"no network {name}");
        return XDocument.Parse(network.GetXmlDesc()).Root!;
    }

    public IReadOnlyList<string> VolumePaths()
    {
        var paths = new List<string>();
        foreach (var pool in connection.ListAllStoragePools())
        {
            using (pool)
            {
                if (!pool.IsActive)
                {
                    continue;
                }

                foreach (var volume in pool.ListAllVolumes())
                {
                    using (volume)
                    {
                        if (volumeFilter?.Invoke(volume.Path) != false)
                        {
                            paths.Add(volume.Path);
                        }
                    }
                }
            }
        }

        return [.. paths.Order(StringComparer.Ordinal)];
    }

    public string CreateVolume(string name, long bytes)
    {
        var pool = connection.TryLookupStoragePoolByName("default-pool") ?? connection.TryLookupStoragePoolByName("default")
                   ?? throw new InvalidOperationException("no default pool");
        var xml = new XElement("volume",
            new XElement("name", name),
            new XElement("capacity", new XAttribute("unit", "bytes"), bytes),
            new XElement("target", new XElement("format", new XAttribute("type", "raw"))));
        using (pool)
        using (var volume = pool.CreateVolume(xml.ToString()))
        {
            return volume.Path;
        }
    }

    public void DeleteVolume(string path)
    {
        using var volume = connection.TryLookupStorageVolumeByPath(path);
        volume?.Delete();
    }

    private static IEnumerable<XElement> DiskElements(XElement domain, string device)
        => domain.Element("devices")!.Elements("disk").Where(d => (d.Attribute("device")?.Value ?? "disk") == device);

    private long Capacity(string path)
    {
        using var volume = connection.TryLookupStorageVolumeByPath(path);
        return volume is null ? 0 : (long)volume.GetInfo().Capacity;
    }

    private XElement Definition(string name, bool live = false)
    {
        using var domain = Domain(name);
        return XDocument.Parse(live ? domain.GetXmlDesc() : domain.GetXmlDesc(Persistent)).Root!;
    }

    private LibvirtDomain Domain(string name) => connection.TryLookupDomainByName(name) ?? throw new InvalidOperationException($"no domain {name}");
}
