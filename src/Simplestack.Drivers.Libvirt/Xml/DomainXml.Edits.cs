using System.Xml.Linq;
using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Xml;

/// <summary>Edits of an existing domain's XML: each takes the XML libvirt gave and answers the XML to define.</summary>
public static partial class DomainXml
{
    /// <summary>Removes the disk with target <paramref name="target"/>; <see cref="KeyNotFoundException"/> when absent.</summary>
    public static string WithoutDisk(string domainXml, string target) => Edit(domainXml, root => FindDisk(root, target).Remove());

    /// <summary>Adds a disk after the last one; <see cref="ConflictException"/> when its target is taken.</summary>
    public static string WithDisk(string domainXml, DiskDefinition disk) => Edit(domainXml, root =>
    {
        ArgumentNullException.ThrowIfNull(disk);
        if (Disks(root).Any(e => TargetDev(e) == disk.Target))
        {
            throw new ConflictException($"The guest already has a disk '{disk.Target}'.");
        }

        AddDevice(root, DiskElement(disk), "disk");
    });

    /// <summary>
    /// Points the disk <paramref name="target"/> at a file (<c>type='file'</c>), or leaves it
    /// empty when <paramref name="newFilePath"/> is null (eject).
    /// </summary>
    public static string WithDiskSource(string domainXml, string target, string? newFilePath) =>
        Edit(domainXml, root => SetFileSource(FindDisk(root, target), newFilePath));

    /// <summary>Removes the interface with this MAC address; <see cref="KeyNotFoundException"/> when absent.</summary>
    public static string WithoutInterface(string domainXml, string mac) => Edit(domainXml, root => FindInterface(root, mac).Remove());

    /// <summary>Adds an interface after the last one; <see cref="ConflictException"/> when its MAC is taken.</summary>
    public static string WithInterface(string domainXml, InterfaceDefinition nic) => Edit(domainXml, root =>
    {
        ArgumentNullException.ThrowIfNull(nic);
        if (nic.Mac is not null && Interfaces(root).Any(e => SameMac(MacOf(e), nic.Mac)))
        {
            throw new ConflictException($"The guest already has an interface with MAC '{nic.Mac}'.");
        }

        AddDevice(root, InterfaceElement(nic), "interface");
    });

    /// <summary>
    /// Changes one interface: <paramref name="network"/> moves it to that libvirt network (the
    /// network then decides bridge, virtual port and VLAN); <paramref name="rateLimitKBps"/> sets
    /// the inbound and outbound average; <paramref name="removeRateLimit"/> drops the bandwidth
    /// limit; <paramref name="model"/> sets the device model. Null leaves a part unchanged.
    /// </summary>
    public static string WithInterfaceChanges(string domainXml, string mac, string? network, long? rateLimitKBps, bool removeRateLimit, string? model) =>
        Edit(domainXml, root =>
        {
            var nic = FindInterface(root, mac);
            if (network is not null)
            {
                nic.SetAttributeValue("type", "network");
                nic.Elements("source").Remove();
                nic.Elements("virtualport").Remove();
                nic.Elements("vlan").Remove();
                var source = new XElement("source", new XAttribute("network", network));
                if (nic.Element("mac") is { } macElement)
                {
                    macElement.AddAfterSelf(source);
                }
                else
                {
                    nic.AddFirst(source);
                }
            }

            if (removeRateLimit)
            {
                nic.Elements("bandwidth").Remove();
            }

            if (rateLimitKBps is { } rate)
            {
                nic.Elements("bandwidth").Remove();
                nic.Add(BandwidthElement(rate));
            }

            if (model is not null)
            {
                if (nic.Element("model") is { } modelElement)
                {
                    modelElement.SetAttributeValue("type", model);
                }
                else
                {
                    nic.Add(new XElement("model", new XAttribute("type", model)));
                }
            }
        });

    /// <summary>Renames the domain.</summary>
    public static string WithName(string domainXml, string name) => Edit(domainXml, root => SetName(root, name));

    /// <summary>
    /// Gives the domain a new identity, for clone and import: name, UUID and MAC addresses
    /// (old → new; MACs not in the map are kept). The live <c>id</c> attribute is removed.
    /// </summary>
    public static string WithIdentity(string domainXml, string name, Guid uuid, IReadOnlyDictionary<string, string> macMap) =>
        Edit(domainXml, root =>
        {
            ArgumentNullException.ThrowIfNull(macMap);
            SetName(root, name);
            root.Attribute("id")?.Remove();
            var uuidText = XmlSupport.FormatGuid(uuid);
            if (root.Element("uuid") is { } uuidElement)
            {
                uuidElement.Value = uuidText;
            }
            else
            {
                root.Element("name")!.AddAfterSelf(new XElement("uuid", uuidText));
            }

            var map = new Dictionary<string, string>(macMap, StringComparer.OrdinalIgnoreCase);
            foreach (var nic in Interfaces(root))
            {
                if (nic.Element("mac") is { } macElement && macElement.Attr("address") is { } old && map.TryGetValue(old, out var replacement))
                {
                    macElement.SetAttributeValue("address", replacement);
                }
            }
        });

    /// <summary>Points each listed disk (by target) at a new file, for clone; <see cref="KeyNotFoundException"/> for an unknown target.</summary>
    public static string WithDiskSources(string domainXml, IReadOnlyDictionary<string, string> targetToNewPath) =>
        Edit(domainXml, root =>
        {
            ArgumentNullException.ThrowIfNull(targetToNewPath);
            foreach (var (target, path) in targetToNewPath)
            {
                SetFileSource(FindDisk(root, target), path);
            }
        });

    /// <summary>
    /// Drops a direct kernel boot (<c>&lt;kernel&gt;</c>, <c>&lt;initrd&gt;</c>, <c>&lt;cmdline&gt;</c>),
    /// makes sure the guest boots from its hard disk and restarts on reboot.
    /// </summary>
    public static string WithBootFromDisk(string domainXml) => Edit(domainXml, root =>
    {
        var os = root.Element("os");
        if (os is null)
        {
            os = new XElement("os", new XElement("type", "hvm"));
            InsertAfterFirst(root, os, "vcpu", "currentMemory", "memory", "uuid", "name");
        }

        os.Elements().Where(e => e.Name.LocalName is "kernel" or "initrd" or "cmdline" or "dtb").Remove();
        var perDeviceBoot = root.Element("devices")?.Elements().Any(e => e.Element("boot") is not null) ?? false;
        var isHvm = (os.Element("type")?.Value.Trim() ?? "hvm") == "hvm";
        if (isHvm && !perDeviceBoot && !os.Elements("boot").Any(b => b.Attr("dev") == "hd"))
        {
            var boot = new XElement("boot", new XAttribute("dev", "hd"));
            if (os.Elements("boot").FirstOrDefault() is { } firstBoot)
            {
                firstBoot.AddBeforeSelf(boot);
            }
            else
            {
                os.Add(boot);
            }
        }

        if (root.Element("on_reboot") is { } onReboot)
        {
            onReboot.Value = "restart";
        }
        else
        {
            var element = new XElement("on_reboot", "restart");
            if (root.Element("on_poweroff") is { } onPoweroff)
            {
                onPoweroff.AddAfterSelf(element);
            }
            else if (root.Element("on_crash") is { } onCrash)
            {
                onCrash.AddBeforeSelf(element);
            }
            else
            {
                InsertBeforeDevices(root, element);
            }
        }
    });

    /// <summary>Replaces the tags kept in the domain's metadata (an empty list removes them).</summary>
    public static string WithTags(string domainXml, IReadOnlyList<string> tags) => Edit(domainXml, root =>
    {
        ArgumentNullException.ThrowIfNull(tags);
        XNamespace ns = TagsMetadata.NamespaceUri;
        var metadata = root.Element("metadata");
        metadata?.Elements(ns + "tags").Remove();
        if (tags.Count == 0)
        {
            if (metadata is not null && !metadata.HasElements)
            {
                metadata.Remove();
            }

            return;
        }

        if (metadata is null)
        {
            metadata = new XElement("metadata");
            InsertAfterFirst(root, metadata, "description", "title", "genid", "uuid", "name");
        }

        metadata.Add(TagsMetadata.BuildElement(tags, withPrefix: true));
    });

    /// <summary>Sets the current memory and the maximum (null: the maximum equals the current memory).</summary>
    public static string WithMemory(string domainXml, long memoryKiB, long? maxMemoryKiB) => Edit(domainXml, root =>
    {
        if (memoryKiB <= 0)
        {
            throw new InvalidArgumentException("The memory must be positive.");
        }

        var max = maxMemoryKiB ?? memoryKiB;
        if (max < memoryKiB)
        {
            throw new InvalidArgumentException("The maximum memory must not be smaller than the memory.");
        }

        var memory = root.Element("memory");
        if (memory is null)
        {
            memory = new XElement("memory");
            InsertAfterFirst(root, memory, "metadata", "description", "title", "uuid", "name");
        }

        memory.RemoveAttributes();
        memory.SetAttributeValue("unit", "KiB");
        memory.Value = XmlSupport.Invariant(max);

        var current = root.Element("currentMemory");
        if (current is null)
        {
            current = new XElement("currentMemory");
            memory.AddAfterSelf(current);
        }

        current.RemoveAttributes();
        current.SetAttributeValue("unit", "KiB");
        current.Value = XmlSupport.Invariant(memoryKiB);
    });

    /// <summary>Sets the current number of vCPUs and the maximum (null: the maximum equals the current number).</summary>
    public static string WithVcpus(string domainXml, int current, int? max) => Edit(domainXml, root =>
    {
        if (current <= 0)
        {
            throw new InvalidArgumentException("The number of vCPUs must be positive.");
        }

        if (max is { } m && m < current)
        {
            throw new InvalidArgumentException("The maximum number of vCPUs must not be smaller than the current number.");
        }

        var vcpu = root.Element("vcpu");
        if (vcpu is null)
        {
            vcpu = new XElement("vcpu", new XAttribute("placement", "static"));
            InsertAfterFirst(root, vcpu, "currentMemory", "memory", "uuid", "name");
        }

        var total = max ?? current;
        vcpu.Value = XmlSupport.Invariant(total);
        if (total > current)
        {
            vcpu.SetAttributeValue("current", XmlSupport.Invariant(current));
        }
        else
        {
            vcpu.Attribute("current")?.Remove();
        }

        // The per-vCPU list describes the old count; libvirt rebuilds it.
        root.Elements("vcpus").Remove();
    });

    // ----- helpers -----

    private static string Edit(string domainXml, Action<XElement> change)
    {
        var root = XmlSupport.Load(domainXml, "domain");
        change(root);
        return XmlSupport.Write(root);
    }

    private static void SetName(XElement root, string name)
    {
        LibvirtNames.ValidateName("guest", name);
        if (root.Element("name") is { } nameElement)
        {
            nameElement.Value = name;
        }
        else
        {
            root.AddFirst(new XElement("name", name));
        }
    }

    private static IEnumerable<XElement> Disks(XElement root) =>
        root.Element("devices")?.Elements("disk") ?? [];

    private static IEnumerable<XElement> Interfaces(XElement root) =>
        root.Element("devices")?.Elements("interface") ?? [];

    private static string? TargetDev(XElement disk) => disk.Element("target").Attr("dev");

    private static string? MacOf(XElement nic) => nic.Element("mac").Attr("address");

    private static bool SameMac(string? a, string? b) => a is not null && b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static XElement FindDisk(XElement root, string target) =>
        Disks(root).FirstOrDefault(e => TargetDev(e) == target)
        ?? throw new KeyNotFoundException($"The guest has no disk '{target}'.");

    private static XElement FindInterface(XElement root, string mac) =>
        Interfaces(root).FirstOrDefault(e => SameMac(MacOf(e), mac))
        ?? throw new KeyNotFoundException($"The guest has no network interface with MAC '{mac}'.");

    private static void SetFileSource(XElement disk, string? path)
    {
        disk.SetAttributeValue("type", "file");
        // The old backing chain belongs to the old source; libvirt probes the new one.
        disk.Elements("backingStore").Remove();
        var source = disk.Element("source");
        if (path is null)
        {
            source?.Remove();
            return;
        }

        if (source is null)
        {
            source = new XElement("source");
            if (disk.Element("driver") is { } driver)
            {
                driver.AddAfterSelf(source);
            }
            else
            {
                disk.AddFirst(source);
            }
        }

        // Keep child elements (seclabel, …) but drop pool/volume/dev/index attributes of the old kind.
        source.RemoveAttributes();
        source.SetAttributeValue("file", path);
    }

    private static void AddDevice(XElement root, XElement device, string kind)
    {
        var devices = root.Element("devices");
        if (devices is null)
        {
            devices = new XElement("devices");
            root.Add(devices);
        }

        if (devices.Elements(kind).LastOrDefault() is { } last)
        {
            last.AddAfterSelf(device);
        }
        else if (devices.Element("emulator") is { } emulator)
        {
            emulator.AddAfterSelf(device);
        }
        else
        {
            devices.AddFirst(device);
        }
    }

    /// <summary>Inserts after the first existing element among <paramref name="after"/> (in order of preference), else first.</summary>
    private static void InsertAfterFirst(XElement root, XElement element, params string[] after)
    {
        foreach (var name in after)
        {
            if (root.Element(name) is { } anchor)
            {
                anchor.AddAfterSelf(element);
                return;
            }
        }

        root.AddFirst(element);
    }

    private static void InsertBeforeDevices(XElement root, XElement element)
    {
        if (root.Element("devices") is { } devices)
        {
            devices.AddBeforeSelf(element);
        }
        else
        {
            root.Add(element);
        }
    }
}
