using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Core.Transfer;
using Simplestack.Drivers.Libvirt.Xml;

namespace Simplestack.Drivers.Libvirt.Transfer;

/// <summary>
/// The libvirt side of the driver-neutral manifest: on export, a domain described in the
/// manifest's words; on import, the archive's files, its manifest and its domain.xml checked
/// against each other. domain.xml stays what a libvirt import defines (it is richer); the neutral
/// fields are checked where they state facts of the archive (name, disks, MACs), not where they
/// are a summary (cpus, memory, firmware), so that a later, better summary never refuses an
/// archive an earlier server wrote.
/// </summary>
internal static class LibvirtGuestManifest
{
    /// <summary>The manifest of a domain whose disks are already described (digests may be placeholders).</summary>
    /// <exception cref="ConflictException">The domain has something the manifest cannot say (an over-long tag, a disk with no known bus).</exception>
    public static GuestManifest Describe(string domainXml, IReadOnlyList<GuestManifestDisk> disks)
    {
        var description = DomainDescription.Parse(domainXml);
        var os = XmlSupport.Load(domainXml, "domain").Element("os");
        var manifest = new GuestManifest(
            Name: description.Name,
            Cpus: description.Vcpus,
            // Rounded up: a guest never comes back with less memory than it had.
            MemoryMib: (description.MemoryKiB + 1023) / 1024,
            Firmware: FirmwareOf(description.OsType, os),
            Disks: disks,
            Nics: [.. description.Interfaces.Select(n => new GuestManifestNic(n.Mac, n.Network ?? n.Bridge, n.Model))],
            Tags: description.Tags,
            Native: ArchiveFormat.Native)
        {
            Uuid = description.Uuid.ToString(),
            Arch = os?.Element("type").Attr("arch"),
        };

        try
        {
            // Refuse now what an import would refuse later: an archive that cannot come back is worse than no archive.
            GuestManifestRules.Validate(manifest);
        }
        catch (InvalidArgumentException invalid)
        {
            throw new ConflictException($"Guest '{description.Name}' cannot be exported as it is: {invalid.Message}");
        }

        return manifest;
    }

    /// <summary>A disk's bus: libvirt's word, or, where the XML leaves it out, the one its device name implies.</summary>
    public static string BusOf(ParsedDisk disk) => disk.Bus is { Length: > 0 } bus ? bus : disk.Target switch
    {
        var t when t.StartsWith("vd", StringComparison.Ordinal) => "virtio",
        var t when t.StartsWith("sd", StringComparison.Ordinal) => "scsi",
        var t when t.StartsWith("hd", StringComparison.Ordinal) => "ide",
        var t when t.StartsWith("xvd", StringComparison.Ordinal) => "xen",
        _ => string.Empty,
    };

    /// <summary>
    /// Checks the disks an import uploaded (device → SHA-256 and length) against the manifest and
    /// domain.xml; any disagreement is a 400 (the caller then deletes what it made).
    /// </summary>
    public static void Verify(ArchiveManifest manifest, IReadOnlyDictionary<string, (string Path, string Sha256, long Bytes)> imported, DomainDescription description)
    {
        foreach (var disk in manifest.Disks)
        {
            if (!imported.TryGetValue(disk.Device, out var got))
            {
                throw new InvalidArgumentException($"The manifest lists disk {disk.Device}, which the archive does not hold.");
            }

            if (got.Bytes != disk.FileBytes || !string.Equals(got.Sha256, disk.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidArgumentException($"Disk {disk.Device} does not match its checksum in the manifest; the archive is damaged.");
            }
        }

        var expected = description.Disks.Where(d => d.Device == "disk").Select(d => d.Target).Order(StringComparer.Ordinal);
        if (!expected.SequenceEqual(imported.Keys.Order(StringComparer.Ordinal)) || imported.Count != manifest.Disks.Count)
        {
            throw new InvalidArgumentException("The archive's disks do not match the disks of its domain.xml and manifest.");
        }

        if (manifest.Neutral is { } neutral)
        {
            VerifyNeutral(neutral, description);
        }
    }

    private static void VerifyNeutral(GuestManifest manifest, DomainDescription description)
    {
        if (manifest.Native != ArchiveFormat.Native)
        {
            throw new InvalidArgumentException(
                $"The archive's own description is '{manifest.Native.File}' of kind '{manifest.Native.Kind}'; this driver imports libvirt archives ({ArchiveFormat.DomainEntry}).");
        }

        if (manifest.Name != description.Name)
        {
            throw new InvalidArgumentException($"manifest.json names the guest '{manifest.Name}' but domain.xml names it '{description.Name}'.");
        }

        foreach (var disk in manifest.Disks)
        {
            var file = ArchiveFormat.DiskEntry(disk.Device, disk.Format);
            if (disk.File != file)
            {
                throw new InvalidArgumentException($"manifest.json gives disk {disk.Device} the file '{disk.File}'; a {disk.Format} disk {disk.Device} is '{file}' in this format.");
            }

            var domainBus = BusOf(description.Disks.First(d => d.Device == "disk" && d.Target == disk.Device));
            if (domainBus.Length > 0 && domainBus != disk.Bus)
            {
                throw new InvalidArgumentException($"manifest.json puts disk {disk.Device} on bus {disk.Bus} but domain.xml on {domainBus}.");
            }
        }

        var macs = description.Interfaces.Select(n => n.Mac.ToLowerInvariant()).Order(StringComparer.Ordinal);
        if (!macs.SequenceEqual(manifest.Nics.Select(n => n.Mac.ToLowerInvariant()).Order(StringComparer.Ordinal)))
        {
            throw new InvalidArgumentException("manifest.json's network interfaces do not match those of domain.xml (by MAC address).");
        }
    }

    /// <summary>
    /// <c>uefi</c> when the domain asks for EFI firmware (libvirt's <c>firmware='efi'</c>, or a
    /// pflash loader as OVMF is given); <c>none</c> for guests that boot no firmware (LXC's
    /// <c>exe</c>, Xen PV); otherwise <c>bios</c>.
    /// </summary>
    private static string FirmwareOf(string osType, XElement? os)
    {
        if (osType != "hvm")
        {
            return GuestFirmware.None;
        }

        var loader = os?.Element("loader");
        var efi = os.Attr("firmware") == "efi"
            || loader.Attr("type") == "pflash"
            || (loader?.Value is { } path && (path.Contains("OVMF", StringComparison.OrdinalIgnoreCase) || path.Contains("AAVMF", StringComparison.OrdinalIgnoreCase)));
        return efi ? GuestFirmware.Uefi : GuestFirmware.Bios;
    }
}
