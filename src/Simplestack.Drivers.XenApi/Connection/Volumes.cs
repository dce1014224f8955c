using System.Text.Json.Nodes;
using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// Volumes are an SR's VDIs (not snapshots' VDIs), named by uuid; the name is accepted where it is
// unique in the SR, and creating a second volume of a name there is 409, so a name stays an
// address (as a libvirt pool's volume names are). A volume attached to a guest as a disk is
// marked on its VBD: deleting that disk, or the guest, leaves the volume (it was not the guest's).
public sealed partial class XenApiConnection : IVolumeManagement
{
    /// <summary>The VBD <c>other_config</c> key that says its VDI is a volume attached, not a disk made for the VM.</summary>
    internal const string AttachedVolumeKey = "simplestack_attached_volume";

    public async Task<IReadOnlyList<Volume>> ListVolumesAsync(string storageId, CancellationToken cancellationToken)
    {
        var (srRef, sr) = await FindSrAsync(storageId, cancellationToken);
        var vdisTask = Call.AllVdis(cancellationToken);
        var vbdsTask = Call.AllVbds(cancellationToken);
        var vms = await Call.AllVms(cancellationToken);
        var (vdis, vbds) = (await vdisTask, await vbdsTask);
        return [.. vdis.Values
            .Where(vdi => vdi.Sr == srRef && !vdi.IsASnapshot)
            .Select(vdi => ToVolume(sr, vdi, UsersOf(vdi, vbds, vms)))
            .OrderBy(v => v.Name, StringComparer.Ordinal)];
    }

    public async Task<Volume> GetVolumeAsync(string storageId, string volumeId, CancellationToken cancellationToken)
    {
        var (srRef, sr) = await FindSrAsync(storageId, cancellationToken);
        var (_, vdi) = await FindVolumeAsync(srRef, sr, volumeId, cancellationToken);
        return await DescribeAsync(sr, vdi, cancellationToken);
    }

    /// <summary>A VDI of <c>size</c> GiB in the SR (its format is the SR's: XenAPI offers no choice).</summary>
    public async Task<Volume> CreateVolumeAsync(string storageId, VolumeCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (request.Format is not null)
        {
            throw new FeatureNotAvailableException("XenAPI makes a VDI in its SR's own format: 'format' cannot be chosen on xen.");
        }

        CheckName(request.Name, "volume");
        var (srRef, sr) = await FindSrAsync(storageId, cancellationToken);
        if (IsIsoLibrary(sr))
        {
            throw new InvalidArgumentException($"Storage '{storageId}' is an ISO library: volumes cannot be made there.");
        }

        if ((await Call.AllVdis(cancellationToken)).Values.Any(v => v.Sr == srRef && v.NameLabel == request.Name && !v.IsASnapshot))
        {
            throw new ConflictException($"Storage '{sr.NameLabel}' already has a volume named '{request.Name}'.");
        }

        var vdiRef = await Call.CreateVdi(NewVdi(srRef, request.Name, Bytes(request.Size)), cancellationToken);
        return await DescribeAsync(sr, await Call.Vdi(vdiRef, cancellationToken), cancellationToken);
    }

    /// <summary>Destroys the VDI; 409 while any VM (a snapshot included) has a VBD to it.</summary>
    public async Task DeleteVolumeAsync(string storageId, string volumeId, CancellationToken cancellationToken)
    {
        var (srRef, sr) = await FindSrAsync(storageId, cancellationToken);
        var (vdiRef, vdi) = await FindVolumeAsync(srRef, sr, volumeId, cancellationToken);
        if (vdi.Vbds.Count > 0)
        {
            var used = await DescribeAsync(sr, vdi, cancellationToken);
            throw new ConflictException($"Volume '{vdi.NameLabel}' is in use by {string.Join(", ", used.UsedBy.DefaultIfEmpty("a snapshot"))}.");
        }

        await Call.DestroyVdi(vdiRef, cancellationToken);
    }

    /// <summary>
    /// A disk from an existing volume: a VBD to the VDI on the lowest free userdevice, plugged when
    /// the VM runs, marked so that the VDI outlives the disk. One writer per volume: a VDI any VM
    /// already uses (this one included) is 409, unless it is sharable.
    /// </summary>
    private async Task<Disk> AttachVolumeAsync(string guestId, DiskCreateRequest request, CancellationToken cancellationToken)
    {
        RefuseBus(request.Bus);
        var (vmRef, vm) = await FindVmAsync(guestId, cancellationToken);
        if (vm.PowerState is "Paused" or "Suspended")
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: attach disks while it is running or halted.");
        }

        var (srRef, sr) = await FindSrAsync(request.StorageId!, cancellationToken);
        var (vdiRef, vdi) = await FindVolumeAsync(srRef, sr, request.Volume!, cancellationToken);
        if (IsIsoLibrary(sr))
        {
            throw new InvalidArgumentException($"'{vdi.NameLabel}' is in an ISO library: mount it as the media device instead.");
        }

        if (vdi.Vbds.Count > 0 && !vdi.Sharable)
        {
            throw new ConflictException($"Volume '{vdi.NameLabel}' is attached already; a volume has one writer at a time.");
        }

        await using var undo = new Reverter(_logger);
        var userdevice = await FreeUserdeviceAsync(vmRef, vm, preferred: null, cancellationToken);
        var vbd = NewVbd(vmRef, vdiRef, userdevice, "Disk");
        vbd["other_config"] = new JsonObject { [AttachedVolumeKey] = "true" };
        var vbdRef = await Call.CreateVbd(vbd, cancellationToken);
        undo.Add($"VBD {userdevice} of {vm.NameLabel}", () => new ValueTask(Call.DestroyVbd(vbdRef, CancellationToken.None)));
        if (vm.PowerState == "Running")
        {
            await Call.PlugVbd(vbdRef, cancellationToken);
        }

        var disk = (await DisksOfAsync(await Call.Vm(vmRef, cancellationToken), cancellationToken)).Single(d => d.VbdRef == vbdRef).Disk;
        await RecordMadeAsync(vmRef, CreatedKind.Disk, disk.Id, cancellationToken);
        undo.Commit();
        return disk;
    }

    // A record read without the field has none (the JSON reader leaves init-only maps it did not see null).
    private static bool IsAttachedVolume(VbdRecord vbd) => vbd.OtherConfig is { } config && config.GetValueOrDefault(AttachedVolumeKey) == "true";

    /// <summary>An SR by uuid or name (any SR with PBDs, as storages lists them): 404 when none is, 409 when a name is ambiguous.</summary>
    private async Task<(string Ref, SrRecord Record)> FindSrAsync(string storageId, CancellationToken cancellationToken)
    {
        var srs = (await Call.AllSrs(cancellationToken)).Where(sr => sr.Value.Pbds.Count > 0).ToList();
        var matches = srs.Where(sr => string.Equals(sr.Value.Uuid, storageId, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 0)
        {
            matches = [.. srs.Where(sr => sr.Value.NameLabel == storageId)];
        }

        return matches.Count switch
        {
            1 => (matches[0].Key, matches[0].Value),
            0 => throw EntityNotFoundException.Of("Storage", storageId),
            _ => throw new ConflictException($"{matches.Count} storage repositories are named '{storageId}': name one by its uuid."),
        };
    }

    /// <summary>A volume of the SR by uuid or name (404 when none is, 409 when the name is ambiguous).</summary>
    private async Task<(string Ref, VdiRecord Record)> FindVolumeAsync(string srRef, SrRecord sr, string volumeId, CancellationToken cancellationToken)
    {
        var vdis = (await Call.AllVdis(cancellationToken)).Where(v => v.Value.Sr == srRef && !v.Value.IsASnapshot).ToList();
        var matches = vdis.Where(v => string.Equals(v.Value.Uuid, volumeId, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 0)
        {
            matches = [.. vdis.Where(v => v.Value.NameLabel == volumeId)];
        }

        return matches.Count switch
        {
            1 => (matches[0].Key, matches[0].Value),
            0 => throw new EntityNotFoundException($"Storage '{sr.NameLabel}' has no volume '{volumeId}'."),
            _ => throw new ConflictException($"{matches.Count} volumes of '{sr.NameLabel}' are named '{volumeId}': name one by its uuid."),
        };
    }

    private async Task<Volume> DescribeAsync(SrRecord sr, VdiRecord vdi, CancellationToken cancellationToken)
    {
        var users = new List<string>();
        foreach (var vbdRef in vdi.Vbds)
        {
            var vm = await Call.Vm((await Call.Vbd(vbdRef, cancellationToken)).Vm, cancellationToken);
            if (GuestMapping.IsGuest(vm))
            {
                users.Add(vm.NameLabel);
            }
        }

        return ToVolume(sr, vdi, users);
    }

    /// <summary>The guests (not snapshots or templates) with a VBD to the VDI, by name.</summary>
    private static List<string> UsersOf(VdiRecord vdi, Dictionary<string, VbdRecord> vbds, Dictionary<string, VmRecord> vms)
        => [.. vdi.Vbds
            .Select(vbd => vbds.GetValueOrDefault(vbd)?.Vm)
            .Select(vm => vm is null ? null : vms.GetValueOrDefault(vm))
            .Where(vm => vm is not null && GuestMapping.IsGuest(vm))
            .Select(vm => vm!.NameLabel)
            .Distinct(StringComparer.Ordinal)];

    private static Volume ToVolume(SrRecord sr, VdiRecord vdi, IReadOnlyList<string> usedBy)
        => new(
            Id: vdi.Uuid,
            Name: vdi.NameLabel,
            StorageId: sr.Uuid,
            Size: Math.Round(vdi.VirtualSize / BytesPerGiB, 2),
            SizeBytes: vdi.VirtualSize,
            AllocationBytes: vdi.PhysicalUtilisation,
            Format: vdi.SmConfig.GetValueOrDefault("image-format"),
            Path: vdi.Uuid,
            UsedBy: usedBy);
}
