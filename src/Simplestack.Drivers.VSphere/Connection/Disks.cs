using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

// Disks are a VM's VirtualDisk devices (API.md §8). The id is where the disk sits: "0:1" for SCSI
// bus 0 unit 1 (VMware's scsi0:1), "ide0:1", "sata0:0", "nvme0:0" on other controllers, so ids
// never collide. Every change is one ReconfigVM_Task, so a refused change changes nothing. A disk
// in the VM's own folder is the VM's: deleting it destroys its file; a disk on a file elsewhere
// (a volume attached) is detached and its file kept.
public sealed partial class VSphereConnection : IDiskManagement
{
    private static readonly string[] DevicePaths = ["name", "runtime.powerState", "config.files.vmPathName", "config.hardware.device"];

    public async Task<IReadOnlyList<Disk>> ListDisksAsync(string guestId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        return [.. (await ReadDevicesAsync(vm, cancellationToken)).Disks.Select(d => d.Disk)];
    }

    public async Task<Disk> GetDiskAsync(string guestId, string diskId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        return (await ReadDevicesAsync(vm, cancellationToken)).Disk(diskId).Disk;
    }

    /// <summary>
    /// A new thin disk on the VM's first SCSI controller with a free unit (a paravirtual controller
    /// is added when none has one), in the VM's folder on <c>storage_id</c> or the VM's own
    /// datastore; or, with <c>volume</c>, an existing disk file attached as it is. A running VM
    /// gets it live (vSphere hot-adds SCSI disks).
    /// </summary>
    public async Task<Disk> CreateDiskAsync(string guestId, DiskCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        CheckBus(request.Bus);
        if (request.Name is not null)
        {
            throw new FeatureNotAvailableException("vSphere names a disk itself (its label 'Hard disk N' and its file after the VM): 'name' cannot be set on vmware.");
        }

        var vm = await FindVmAsync(guestId, cancellationToken);
        var devices = await ReadDevicesAsync(vm, cancellationToken);
        string? existingFile = null;
        string datastore;
        if (request.Volume is not null)
        {
            var volume = await FindVolumeAsync(request.StorageId!, request.Volume, cancellationToken);
            if (volume.Iso)
            {
                throw new InvalidArgumentException($"'{volume.Volume.Name}' is an ISO: mount it as the media device instead.");
            }

            if (volume.Volume.UsedBy.Count > 0)
            {
                throw new ConflictException($"Volume '{volume.Volume.Name}' is attached already (to {string.Join(", ", volume.Volume.UsedBy)}); a volume has one writer at a time.");
            }

            existingFile = volume.Volume.Path;
            datastore = volume.Datastore.Name;
        }
        else
        {
            datastore = request.StorageId is null
                ? DatastoreOf(devices.VmPathName)
                : Placement.Datastore(await _collector.RetrieveAllAsync(new Dictionary<string, string[]> { ["Datastore"] = ["name"] }, cancellationToken), request.StorageId);
        }

        var (slot, controllerChange) = devices.FreeScsiSlot();
        const int newDiskKey = -101;
        var disk = existingFile is null
            ? DeviceSpecs.DeviceChange("add", "create", DeviceSpecs.NewThinDisk(newDiskKey, datastore, slot.ControllerKey, slot.Unit, (long)Math.Ceiling(request.Size * KiBPerGiB)))
            : DeviceSpecs.DeviceChange("add", null, DeviceSpecs.ExistingDisk(newDiskKey, existingFile, slot.ControllerKey, slot.Unit));
        var id = $"{slot.Bus}:{slot.Unit}";
        var spec = controllerChange is null ? DeviceSpecs.Reconfigure(disk) : DeviceSpecs.Reconfigure(controllerChange, disk);
        spec.Add(await LedgerWithCreatedAsync(vm, CreatedKind.Disk, id, cancellationToken)); // A keyed disk's record, made with it.
        await RunTaskAsync("ReconfigVM_Task", vm, cancellationToken, spec);

        return (await ReadDevicesAsync(vm, cancellationToken)).Disks.FirstOrDefault(d => d.Disk.Id == id)?.Disk
               ?? throw new HypervisorErrorException($"The vSphere server added the disk but it is not at SCSI {id}.");
    }

    /// <summary>Grows a disk (<c>capacityInKB</c>), live on a running VM; smaller than now is 409; a name cannot be set (501).</summary>
    public async Task<Disk> UpdateDiskAsync(string guestId, string diskId, DiskUpdateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (request.Name is not null)
        {
            throw new FeatureNotAvailableException("vSphere names a disk itself (its label 'Hard disk N'): a disk's 'name' cannot be set on vmware.");
        }

        var vm = await FindVmAsync(guestId, cancellationToken);
        var disk = (await ReadDevicesAsync(vm, cancellationToken)).Disk(diskId);
        if (request.Size is { } size)
        {
            var kib = (long)Math.Ceiling(size * KiBPerGiB);
            if (kib * 1024 < disk.Disk.SizeBytes)
            {
                throw new ConflictException($"Disks can only grow: disk {disk.Disk.Id} has {disk.Disk.SizeBytes} bytes already.");
            }

            if (kib * 1024 > disk.Disk.SizeBytes)
            {
                await RunTaskAsync("ReconfigVM_Task", vm, TaskShare.Whole("growing"), cancellationToken, DeviceSpecs.Reconfigure(DeviceSpecs.DeviceChange("edit", null, DeviceSpecs.Resized(disk.Device, kib))));
            }
        }

        return (await ReadDevicesAsync(vm, cancellationToken)).Disk(diskId).Disk;
    }

    /// <summary>Removes the disk; its file is destroyed when it is the VM's own (in the VM's folder), kept otherwise (a volume attached).</summary>
    public async Task DeleteDiskAsync(string guestId, string diskId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        var devices = await ReadDevicesAsync(vm, cancellationToken);
        var disk = devices.Disk(diskId);
        var own = IsOwnDisk(devices, disk);
        await RunTaskAsync("ReconfigVM_Task", vm, cancellationToken,
            DeviceSpecs.Reconfigure(DeviceSpecs.DeviceChange("remove", own ? "destroy" : null, DeviceSpecs.AsSent(disk.Device))));
    }

    /// <summary>
    /// Before a VM is destroyed, its disks on files outside its folder (volumes attached) are
    /// removed from it, file kept: Destroy_Task deletes every disk the VM has.
    /// </summary>
    private async Task DetachForeignDisksAsync(MoRef vm, CancellationToken cancellationToken)
    {
        var devices = await ReadDevicesAsync(vm, cancellationToken);
        var foreign = devices.Disks.Where(d => !IsOwnDisk(devices, d)).Select(d => DeviceSpecs.DeviceChange("remove", null, DeviceSpecs.AsSent(d.Device))).ToArray();
        if (foreign.Length > 0)
        {
            await RunTaskAsync("ReconfigVM_Task", vm, cancellationToken, DeviceSpecs.Reconfigure(foreign));
        }
    }

    /// <summary>A disk in the VM's own folder (on any datastore) is the VM's: it goes with the disk or the VM.</summary>
    private static bool IsOwnDisk(VmDevices devices, VmDisk disk) => disk.Disk.Path is { } path && FolderOf(path) == FolderOf(devices.VmPathName);

    /// <summary>
    /// The original's hdd: the last disk grows so the disks total <paramref name="hddGiB"/>. The
    /// device change to append to the update's spec, or null when they total that already; no
    /// disk or a total above it is 409 (as on xen).
    /// </summary>
    private async Task<XElement?> PlanLastDiskGrowthAsync(MoRef vm, double hddGiB, CancellationToken cancellationToken)
    {
        var devices = await ReadDevicesAsync(vm, cancellationToken);
        if (devices.Disks.Count == 0)
        {
            throw new ConflictException($"Guest '{devices.Name}' has no disk to grow.");
        }

        var growthKiB = (long)Math.Ceiling(hddGiB * KiBPerGiB) - (devices.Disks.Sum(d => d.Disk.SizeBytes) / 1024);
        if (growthKiB < 0)
        {
            throw new ConflictException("Disks can only grow: hdd is smaller than the guest's disks already are.");
        }

        var last = devices.Disks[^1];
        return growthKiB == 0 ? null : DeviceSpecs.DeviceChange("edit", null, DeviceSpecs.Resized(last.Device, (last.Disk.SizeBytes / 1024) + growthKiB));
    }

    /// <summary>Only SCSI disks are built; the other buses vSphere has are 501, an unknown word 400.</summary>
    private static void CheckBus(string? bus)
    {
        switch (bus)
        {
            case null or "scsi":
                return;
            case "ide" or "sata" or "nvme":
                throw new FeatureNotImplementedException($"The vmware driver adds disks on SCSI controllers only so far, not {bus}.");
            default:
                throw new InvalidArgumentException($"Unknown bus '{bus}': vSphere disks are on scsi, ide, sata or nvme controllers.");
        }
    }

    private async Task<VmDevices> ReadDevicesAsync(MoRef vm, CancellationToken cancellationToken)
        => VmDevices.Read(await _collector.RetrieveOneAsync(vm, DevicePaths, cancellationToken));

    /// <summary>The datastore of a path <c>[name] folder/file</c>.</summary>
    private static string DatastoreOf(string datastorePath)
    {
        var close = datastorePath.IndexOf(']', StringComparison.Ordinal);
        return datastorePath.StartsWith('[') && close > 0 ? datastorePath[1..close] : "";
    }

    /// <summary>The folder inside its datastore of a path <c>[name] folder/file</c> (any datastore: a VM's disks on other datastores go in a folder of the same name).</summary>
    private static string FolderOf(string datastorePath)
    {
        var inside = datastorePath[(datastorePath.IndexOf(']', StringComparison.Ordinal) + 1)..].Trim();
        var slash = inside.LastIndexOf('/');
        return slash < 0 ? "" : inside[..slash];
    }
}
