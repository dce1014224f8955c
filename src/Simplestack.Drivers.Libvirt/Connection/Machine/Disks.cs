using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Core.Work;
using Simplestack.Drivers.Libvirt.Metadata;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// A machine's disks, each a storage volume. A stopped guest's disks change by redefining its
// persistent XML; a running guest's change live and in its definition, and where the hypervisor
// cannot hot-plug (the test driver) that answers 501.
public sealed partial class LibvirtMachineConnection : IDiskManagement
{
    public Task<IReadOnlyList<Disk>> ListDisksAsync(string guestId, CancellationToken cancellationToken) => _calls.RunAsync<IReadOnlyList<Disk>>(() =>
    {
        using var domain = FindDomain(guestId);
        return [.. GuestDisks(domain).Select((d, i) => DescribeDisk(domain, d, i))];
    }, cancellationToken);

    public Task<Disk> GetDiskAsync(string guestId, string diskId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var (disk, number) = FindDisk(domain, diskId);
        return DescribeDisk(domain, disk, number);
    }, cancellationToken);

    public Task<Disk> CreateDiskAsync(string guestId, DiskCreateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var description = DomainDescription.Parse(domain.GetXmlDesc(DomainXmlFlags.Inactive));
        var bus = NormaliseBus(request.Bus);
        var target = DiskTargets.Next(bus, description.Disks.Select(d => d.Target));
        using var undo = NewUndo();
        var volumes = new NewVolumes(undo, Native);
        string path, format;
        if (request.Volume is { } existing)
        {
            // Attach a volume as it is (Libcloud's attach_volume): not the guest's, so it outlives the disk.
            using var pool = FindPool(request.StorageId ?? throw new InvalidArgumentException("Attaching a volume needs its storage_id."));
            using var volume = FindVolume(pool, existing);
            path = volume.Path;
            if (ImagePools.Contains(pool.Name))
            {
                throw new ConflictException($"Volume '{existing}' is an image other guests' disks may be based on; create a guest from it with \"image\" instead.");
            }

            if (VolumeUsers().TryGetValue(path, out var users))
            {
                // Two writers on one disk image corrupt it.
                throw new ConflictException($"Volume '{existing}' is already a disk of {string.Join(", ", users)}.");
            }

            format = VolumeDescription.Parse(volume.GetXmlDesc()).Format ?? "raw";
        }
        else
        {
            path = CreateVolumeForDisk(domain.Name, target, request.Size, request.StorageId, request.Name, image: null, imageCopy: null, volumes, out format);
        }

        var disk = new DiskDefinition(target, bus, new FileDiskSource(path)) { Format = format };
        if (bus == "scsi" && !description.Disks.Any(d => d.Bus == "scsi") && domain.IsActive)
        {
            // A virtio-scsi controller appears on demand in a redefinition, not on a live attach.
            throw new ConflictException("Attach SCSI disks to a stopped guest, or to one that has a SCSI disk already.");
        }

        ChangeDevice(domain, xml => DomainXml.WithDisk(xml, disk), impact => domain.AttachDevice(DomainXml.BuildDisk(disk), impact));
        if (request.Volume is null)
        {
            RememberOwnedVolume(domain, path, add: true);
        }

        using var refreshed = FindDomain(domain.Uuid);
        var (parsed, number) = FindDisk(refreshed, target);
        var added = DescribeDisk(refreshed, parsed, number);
        RecordMadeOn(refreshed, CreatedKind.Disk, added.Id);
        undo.Commit();
        return added;
    }, cancellationToken);

    public Task<Disk> UpdateDiskAsync(string guestId, string diskId, DiskUpdateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var (disk, number) = FindDisk(domain, diskId);
        if (request.Name is { } name && name != DescribeDisk(domain, disk, number).Name)
        {
            throw new FeatureNotAvailableException("libvirt cannot rename a storage volume; a disk's name is its volume's name.");
        }

        if (request.Size is { } size)
        {
            var wanted = ToBytes(size);
            var current = DiskCapacityBytes(domain, disk);
            if (wanted < current)
            {
                throw new ConflictException("Disks can only grow.");
            }

            if (wanted > current)
            {
                ResizeDisk(domain, disk, wanted);
            }
        }

        var (refreshed, refreshedNumber) = FindDisk(domain, disk.Target);
        return DescribeDisk(domain, refreshed, refreshedNumber);
    }, cancellationToken);

    public Task DeleteDiskAsync(string guestId, string diskId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var (disk, _) = FindDisk(domain, diskId);
        var definition = new DiskDefinition(disk.Target, disk.Bus, disk.SourcePath is null ? null : new FileDiskSource(disk.SourcePath)) { Format = disk.Format };
        ChangeDevice(domain, xml => DomainXml.WithoutDisk(xml, disk.Target), impact => domain.DetachDevice(DomainXml.BuildDisk(definition), impact));
        if (disk.SourcePath is { } path && OwnedVolumePaths(domain).Contains(path))
        {
            using (var volume = Native.TryLookupStorageVolumeByPath(path))
            {
                volume?.Delete();
            }

            RememberOwnedVolume(domain, path, add: false);
        }
    }, cancellationToken);

    private static List<ParsedDisk> GuestDisks(LibvirtDomain domain)
        => [.. DomainDescription.Parse(domain.GetXmlDesc()).Disks.Where(d => d.Device == "disk")];

    private static (ParsedDisk Disk, int Number) FindDisk(LibvirtDomain domain, string diskId)
    {
        var disks = GuestDisks(domain);
        var index = disks.FindIndex(d => d.Target == diskId);
        return index >= 0 ? (disks[index], index) : throw EntityNotFoundException.Of("disk", diskId);
    }

    private Disk DescribeDisk(LibvirtDomain domain, ParsedDisk disk, int number)
    {
        var bytes = DiskCapacityBytes(domain, disk);
        string name;
        var extra = new Dictionary<string, string>();
        if (disk.SourcePath is { } path && Native.TryLookupStorageVolumeByPath(path) is { } volume)
        {
            using (volume)
            {
                name = volume.Name;
            }
        }
        else
        {
            name = disk.SourceVolume ?? (disk.SourcePath is null ? disk.Target : Path.GetFileName(disk.SourcePath));
        }

        if (disk.SourcePool is { } pool)
        {
            extra["pool"] = pool;
        }

        if (disk.Serial is { } serial)
        {
            extra["serial"] = serial;
        }

        extra["readonly"] = disk.ReadOnly ? "true" : "false";
        return new Disk(disk.Target, name, number, Math.Round(bytes / BytesPerGiB, 2), extra, disk.Device, disk.Bus, disk.Format, disk.SourcePath, bytes);
    }

    private static HashSet<string> OwnedVolumePaths(LibvirtDomain domain)
        => [.. OwnedVolumes.Parse(domain.GetMetadata(DomainMetadataType.Element, OwnedVolumes.NamespaceUri, DomainModificationImpact.Config))];

    private static void RememberOwnedVolume(LibvirtDomain domain, string path, bool add)
    {
        var owned = OwnedVolumePaths(domain);
        if (add ? !owned.Add(path) : !owned.Remove(path))
        {
            return;
        }

        domain.SetMetadata(DomainMetadataType.Element, OwnedVolumes.Build(owned), OwnedVolumes.Prefix, OwnedVolumes.NamespaceUri, DomainModificationImpact.Config);
    }
}
