using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Simplestack.Core;
using static Simplestack.Drivers.VSphere.Ovf.OvfDescriptor;

namespace Simplestack.Drivers.VSphere.Ovf;

/// <summary>A file an OVF descriptor references: its name in the archive, its declared size (optional in OVF), and the format of the disk it holds, if any.</summary>
internal sealed record OvfFile(string Id, string Href, long? Size, string? DiskFormat);

/// <summary>
/// What an import needs from an OVF descriptor before vSphere reads it: the one VM's name, the
/// files the archive must hold, and the networks it names. Anything that is not an OVF 1.x
/// envelope of one VirtualSystem, or that references a file outside the archive (a URL, a path),
/// is a 400: vSphere would be asked to fetch it.
/// </summary>
internal sealed record OvfPackage(string Text, string Name, IReadOnlyList<OvfFile> Files, IReadOnlyList<string> Networks)
{
    /// <summary>A descriptor is XML text; past this the entry is not one.</summary>
    public const int MaxDescriptorBytes = 4 * 1024 * 1024;

    public static OvfPackage Read(byte[] descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        XDocument document;
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(descriptor).TrimStart('\uFEFF');
            using var reader = XmlReader.Create(new StringReader(text), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document = XDocument.Load(reader);
        }
        catch (Exception error) when (error is XmlException or DecoderFallbackException)
        {
            throw new InvalidArgumentException($"The OVF descriptor is not well-formed XML: {error.Message}");
        }

        var envelope = document.Root;
        if (envelope is null || envelope.Name != OvfNs + "Envelope")
        {
            throw new InvalidArgumentException($"The OVF descriptor's root is not an OVF 1.x Envelope ({OvfNs.NamespaceName}).");
        }

        var systems = envelope.Elements(OvfNs + "VirtualSystem").ToList();
        if (systems.Count != 1 || envelope.Element(OvfNs + "VirtualSystemCollection") is not null)
        {
            throw new InvalidArgumentException("The OVF descriptor must describe exactly one VirtualSystem (a vApp of several is not imported).");
        }

        var name = systems[0].Element(OvfNs + "Name")?.Value.Trim() is { Length: > 0 } named ? named : (string?)systems[0].Attribute(OvfNs + "id") ?? "";
        var formats = (envelope.Element(OvfNs + "DiskSection")?.Elements(OvfNs + "Disk") ?? [])
            .Where(d => d.Attribute(OvfNs + "fileRef") is not null)
            .GroupBy(d => (string)d.Attribute(OvfNs + "fileRef")!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (string?)g.First().Attribute(OvfNs + "format") ?? "", StringComparer.Ordinal);
        var files = new List<OvfFile>();
        foreach (var file in envelope.Element(OvfNs + "References")?.Elements(OvfNs + "File") ?? [])
        {
            var id = (string?)file.Attribute(OvfNs + "id") ?? "";
            var href = (string?)file.Attribute(OvfNs + "href") ?? "";
            if (href.Length is 0 or > 100 || href.Contains('/', StringComparison.Ordinal) || href.Contains('\\', StringComparison.Ordinal)
                || href.Contains(':', StringComparison.Ordinal) || href is "." or ".." || href.Any(char.IsControl))
            {
                throw new InvalidArgumentException("The OVF descriptor references a file by a URL or a path: an OVA's files are plain names inside the archive.");
            }

            if (file.Attribute(OvfNs + "compression") is not null || file.Attribute(OvfNs + "chunkSize") is not null)
            {
                throw new InvalidArgumentException($"The OVF file '{href}' is compressed or chunked, which this import does not read.");
            }

            long? size = null;
            if (file.Attribute(OvfNs + "size") is { } sizeText)
            {
                size = long.TryParse(sizeText.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes)
                    ? bytes
                    : throw new InvalidArgumentException($"The OVF file '{href}' has a size that is not a number of bytes.");
            }

            if (files.Any(f => f.Href == href || f.Id == id))
            {
                throw new InvalidArgumentException($"The OVF descriptor references '{href}' twice.");
            }

            files.Add(new OvfFile(id, href, size, formats.GetValueOrDefault(id)));
        }

        CheckHardware(systems[0], envelope, files);
        var networks = (envelope.Element(OvfNs + "NetworkSection")?.Elements(OvfNs + "Network") ?? [])
            .Select(n => (string?)n.Attribute(OvfNs + "name") ?? "")
            .Where(n => n.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new OvfPackage(text, name, files, networks);
    }

    /// <summary>
    /// The hardware items vSphere reads: each has a numeric ResourceType, a disk names a Disk of
    /// the DiskSection whose file is referenced, a disk or CD/DVD drive names its controller.
    /// (vcsim dereferences these without checking; real vSphere answers a fault.)
    /// </summary>
    private static void CheckHardware(XElement system, XElement envelope, List<OvfFile> files)
    {
        var hardware = system.Element(OvfNs + "VirtualHardwareSection")
                       ?? throw new InvalidArgumentException("The OVF VirtualSystem has no VirtualHardwareSection.");
        var disks = (envelope.Element(OvfNs + "DiskSection")?.Elements(OvfNs + "Disk") ?? [])
            .ToDictionary(d => (string?)d.Attribute(OvfNs + "diskId") ?? "", d => (string?)d.Attribute(OvfNs + "fileRef"), StringComparer.Ordinal);
        if (disks.Values.Any(f => f is null))
        {
            throw new InvalidArgumentException("An OVF Disk has no fileRef: blank disks to be made at import are not supported; give each disk its file.");
        }

        var instances = hardware.Elements(OvfNs + "Item")
            .GroupBy(i => i.Element(Rasd + "InstanceID")?.Value ?? "", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Element(Rasd + "ResourceType")?.Value, StringComparer.Ordinal);
        foreach (var item in hardware.Elements(OvfNs + "Item"))
        {
            var label = item.Element(Rasd + "ElementName")?.Value ?? item.Element(Rasd + "InstanceID")?.Value ?? "an item";
            if (!int.TryParse(item.Element(Rasd + "ResourceType")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var type))
            {
                throw new InvalidArgumentException($"The OVF hardware item '{label}' has no numeric ResourceType.");
            }

            if (type is 3 or 4 && !long.TryParse(item.Element(Rasd + "VirtualQuantity")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                throw new InvalidArgumentException($"The OVF hardware item '{label}' has no VirtualQuantity.");
            }

            if (type is not (15 or 17))
            {
                continue;
            }

            if (item.Element(Rasd + "Parent")?.Value is not { } parent || !instances.TryGetValue(parent, out var parentType))
            {
                throw new InvalidArgumentException($"The OVF drive '{label}' names no controller among the items (Parent).");
            }

            if (type == 15 && parentType != "5")
            {
                throw new InvalidArgumentException($"The OVF CD/DVD drive '{label}' hangs from a controller that is not IDE.");
            }

            if (type == 17)
            {
                var resource = item.Element(Rasd + "HostResource")?.Value ?? "";
                var diskId = resource.StartsWith("ovf:/disk/", StringComparison.Ordinal) ? resource["ovf:/disk/".Length..] : null;
                if (diskId is null || !disks.TryGetValue(diskId, out var fileRef) || fileRef is null || files.All(f => f.Id != fileRef))
                {
                    throw new InvalidArgumentException($"The OVF disk '{label}' names no Disk of the DiskSection whose file the References list.");
                }
            }
        }
    }
}
