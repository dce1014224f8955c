using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Core.Work;
using Simplestack.Drivers.Libvirt.Metadata;
using Simplestack.Drivers.Libvirt.Provisioning;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Clone: every disk copied into a new volume of the same pool (virStorageVolCreateXMLFrom), a new
// UUID and new MACs; tags travel in the copied metadata. A failure part-way deletes the copies.
public sealed partial class LibvirtMachineConnection : IGuestCloning
{
    public Task<Guest> CloneGuestAsync(string guestId, string name, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        LibvirtNames.ValidateName("guest", name);
        using var source = FindDomain(guestId);
        if (source.IsActive)
        {
            throw new ConflictException($"Guest '{source.Name}' is running; stop it before cloning so its disks are consistent.");
        }

        using (var taken = Native.TryLookupDomainByName(name))
        {
            if (taken is not null)
            {
                throw new ConflictException($"A guest named '{name}' already exists.");
            }
        }

        var xml = source.GetXmlDesc(DomainXmlFlags.Inactive | DomainXmlFlags.Secure);
        var description = DomainDescription.Parse(xml);
        using var undo = NewUndo();
        var volumes = new NewVolumes(undo, Native);
        var copies = new Dictionary<string, string>();
        var disks = description.Disks.Where(d => d.Device == "disk").ToList();
        foreach (var disk in disks)
        {
            // Each disk an equal share of 0-95 %, its bytes copied within it (the copy tells its start).
            var from = 95.0 * copies.Count / disks.Count;
            var to = 95.0 * (copies.Count + 1) / disks.Count;
            copies[disk.Target] = CopyVolume(disk, name, volumes, WorkContext.StepReporter(from, to, $"copying disk {disk.Target}"));
        }

        var macs = description.Interfaces.ToDictionary(i => i.Mac, _ => MacAddresses.Generate(), StringComparer.OrdinalIgnoreCase);
        var cloneXml = DomainXml.WithIdentity(DomainXml.WithDiskSources(xml, copies), name, Guid.NewGuid(), macs);
        WorkContext.Report(95, "defining");
        using var clone = Native.DefineDomain(StampedForDefine(cloneXml));
        var uuid = clone.Uuid;
        undo.Add($"guest {name}", () =>
        {
            using var defined = Native.TryLookupDomainByUuid(uuid);
            defined?.Undefine(UndefineFlags);
        });

        // The copied metadata names the source's volumes; the clone owns its copies only.
        clone.SetMetadata(DomainMetadataType.Element, OwnedVolumes.Build(copies.Values), OwnedVolumes.Prefix, OwnedVolumes.NamespaceUri, DomainModificationImpact.Config);
        var guest = RecordGuest(clone);
        undo.Commit();
        return guest;
    }, cancellationToken);

    private string CopyVolume(ParsedDisk disk, string guestName, NewVolumes volumes, Action<long, long>? progress)
    {
        using var volume = (disk.SourcePath is null ? null : Native.TryLookupStorageVolumeByPath(disk.SourcePath))
            ?? throw new FeatureNotAvailableException($"Disk '{disk.Target}' is not a storage volume, so it cannot be copied.");
        using var pool = volume.GetPool();
        var format = VolumeDescription.Parse(volume.GetXmlDesc()).Format ?? "raw";
        var copyName = $"{guestName}-{disk.Target}{(format == "qcow2" ? ".qcow2" : ".img")}";
        LibvirtNames.ValidateName("volume", copyName);
        using var copy = VolumeCopy.CreateFrom(pool, VolumeXml.Build(new VolumeDefinition(copyName, (long)volume.GetInfo().Capacity, format)), copyName, volume, progress);
        var path = copy.Path;
        volumes.Add(path);
        return path;
    }
}
