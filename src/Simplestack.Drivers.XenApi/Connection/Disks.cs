using System.Globalization;
using System.Text.Json.Nodes;
using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// Disks are a VM's Disk VBDs (CD drives are media), named by their userdevice ("0", "1"...),
// each backed by a VDI. A new disk goes to the SR named, else the SR of disk 0, else the pool's
// default SR, on the lowest free userdevice, and is plugged at once when the VM runs.
public sealed partial class XenApiConnection : IDiskManagement
{
    /// <summary>A Disk VBD of a VM with its VDI, as the API shows it.</summary>
    private sealed record VmDisk(string VbdRef, VbdRecord Vbd, string VdiRef, VdiRecord Vdi, Disk Disk);

    public async Task<IReadOnlyList<Disk>> ListDisksAsync(string guestId, CancellationToken cancellationToken)
    {
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        return [.. (await DisksOfAsync(vm, cancellationToken)).Select(d => d.Disk)];
    }

    public async Task<Disk> GetDiskAsync(string guestId, string diskId, CancellationToken cancellationToken)
    {
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        return (await FindDiskAsync(vm, diskId, cancellationToken)).Disk;
    }

    public async Task<Disk> CreateDiskAsync(string guestId, DiskCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (request.Volume is not null)
        {
            return await AttachVolumeAsync(guestId, request, cancellationToken);
        }

        RefuseBus(request.Bus);
        var (vmRef, vm) = await FindVmAsync(guestId, cancellationToken);
        var srRef = request.StorageId is null ? await DefaultSrForAsync(vm, cancellationToken) : await FindDiskSrAsync(request.StorageId, cancellationToken);

        await using var undo = new Reverter(_logger);
        var vbdRef = await AddDiskAsync(vmRef, vm, request.Size, request.Name, srRef, undo, cancellationToken);
        var disk = (await DisksOfAsync(await Call.Vm(vmRef, cancellationToken), cancellationToken)).Single(d => d.VbdRef == vbdRef).Disk;
        await RecordMadeAsync(vmRef, CreatedKind.Disk, disk.Id, cancellationToken);
        undo.Commit();
        return disk;
    }

    /// <summary>Renames the VDI and grows it (never shrinks: 409); a disk attached to a running VM grows once it is halted (409).</summary>
    public async Task<Disk> UpdateDiskAsync(string guestId, string diskId, DiskUpdateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        var disk = await FindDiskAsync(vm, diskId, cancellationToken);
        if (request.Size is { } size)
        {
            await GrowDiskAsync(vm, disk, Bytes(size), cancellationToken);
        }

        if (request.Name is { } name && name != disk.Vdi.NameLabel)
        {
            CheckName(name, "disk");
            await Call.SetVdiNameLabel(disk.VdiRef, name, cancellationToken);
        }

        return (await FindDiskAsync(vm, diskId, cancellationToken)).Disk;
    }

    /// <summary>
    /// Unplugs the VBD if attached and destroys it, then the VDI only when this VM alone used it
    /// (never a sharable VDI, never one another VBD still points at, never a volume attached).
    /// </summary>
    public async Task DeleteDiskAsync(string guestId, string diskId, CancellationToken cancellationToken)
    {
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        var disk = await FindDiskAsync(vm, diskId, cancellationToken);
        var othersUseIt = disk.Vdi.Vbds.Any(vbd => vbd != disk.VbdRef);
        if (disk.Vbd.CurrentlyAttached)
        {
            await Call.UnplugVbd(disk.VbdRef, cancellationToken);
        }

        await Call.DestroyVbd(disk.VbdRef, cancellationToken);
        if (!disk.Vdi.Sharable && !othersUseIt && !IsAttachedVolume(disk.Vbd))
        {
            await Call.DestroyVdi(disk.VdiRef, cancellationToken);
        }
    }

    /// <summary>
    /// Makes a VDI of <paramref name="sizeGiB"/> on <paramref name="srRef"/> and a VBD for it on the
    /// lowest free userdevice (VM.get_allowed_VBD_devices, so a VM without VBDs works too),
    /// plugged when the VM runs; each step's undo is recorded, so a failed VBD leaves no VDI.
    /// </summary>
    private async Task<string> AddDiskAsync(string vmRef, VmRecord vm, double sizeGiB, string? name, string srRef, Reverter undo, CancellationToken cancellationToken)
    {
        if (vm.PowerState is "Paused" or "Suspended")
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: add disks while it is running or halted.");
        }

        if (name is not null)
        {
            CheckName(name, "disk");
        }

        var userdevice = await FreeUserdeviceAsync(vmRef, vm, preferred: null, cancellationToken);
        var label = name ?? $"{vm.NameLabel} {userdevice}";
        var vdiRef = await Call.CreateVdi(NewVdi(srRef, label, Bytes(sizeGiB)), cancellationToken);
        undo.Add($"VDI {label}", () => new ValueTask(Call.DestroyVdi(vdiRef, CancellationToken.None)));
        var vbdRef = await Call.CreateVbd(NewVbd(vmRef, vdiRef, userdevice, "Disk"), cancellationToken);
        undo.Add($"VBD {userdevice} of {vm.NameLabel}", () => new ValueTask(Call.DestroyVbd(vbdRef, CancellationToken.None)));
        if (vm.PowerState == "Running")
        {
            await Call.PlugVbd(vbdRef, cancellationToken);
            undo.Add($"plugged VBD {userdevice} of {vm.NameLabel}", () => new ValueTask(Call.UnplugVbd(vbdRef, CancellationToken.None)));
        }

        return vbdRef;
    }

    /// <summary><paramref name="preferred"/> when free, else the lowest free userdevice; 409 when none is.</summary>
    private async Task<string> FreeUserdeviceAsync(string vmRef, VmRecord vm, string? preferred, CancellationToken cancellationToken)
    {
        var free = await Call.AllowedVbdDevices(vmRef, cancellationToken);
        if (preferred is not null && free.Contains(preferred))
        {
            return preferred;
        }

        var lowest = free.Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue).DefaultIfEmpty(int.MaxValue).Min();
        return lowest == int.MaxValue
            ? throw new ConflictException($"Guest '{vm.NameLabel}' has no free device slot for another drive.")
            : lowest.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Grows a disk's VDI to <paramref name="bytes"/>: equal does nothing, smaller is 409, attached to a running VM is 409.</summary>
    private async Task GrowDiskAsync(VmRecord vm, VmDisk disk, long bytes, CancellationToken cancellationToken)
    {
        if (bytes < disk.Vdi.VirtualSize)
        {
            throw new ConflictException($"Disks can only grow: disk {disk.Vbd.Userdevice} of '{vm.NameLabel}' has {disk.Vdi.VirtualSize} bytes already.");
        }

        if (bytes == disk.Vdi.VirtualSize)
        {
            return;
        }

        if (disk.Vbd.CurrentlyAttached)
        {
            // VDI.resize works on a detached VDI; XenCenter too grows disks only while the VM is halted.
            throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: grow its disks while it is halted.");
        }

        await ResizeVdiAsync(disk.VdiRef, bytes, cancellationToken);
    }

    /// <summary>
    /// The original's hdd: the last disk (highest userdevice) grows so the disks total
    /// <paramref name="hddGiB"/>. Checked only (no disk, a shrink, a plugged disk: 409); null
    /// when the disks total that already. The update resizes it last (a grow cannot be undone).
    /// </summary>
    private async Task<(VmDisk Disk, long Bytes)?> PlanLastDiskGrowthAsync(VmRecord vm, double hddGiB, CancellationToken cancellationToken)
    {
        var disks = await DisksOfAsync(vm, cancellationToken);
        if (disks.Count == 0)
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' has no disk to grow.");
        }

        var last = disks[^1];
        var growth = Bytes(hddGiB) - disks.Sum(d => d.Vdi.VirtualSize);
        if (growth < 0)
        {
            throw new ConflictException("Disks can only grow: hdd is smaller than the guest's disks already are.");
        }

        if (growth == 0)
        {
            return null;
        }

        if (last.Vbd.CurrentlyAttached)
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: grow its disks while it is halted.");
        }

        return (last, last.Vdi.VirtualSize + growth);
    }

    /// <summary>The VM's Disk VBDs with their VDIs, by userdevice.</summary>
    private async Task<List<VmDisk>> DisksOfAsync(VmRecord vm, CancellationToken cancellationToken)
    {
        var vbds = await Task.WhenAll(vm.Vbds.Select(async vbdRef => (Ref: vbdRef, Record: await Call.Vbd(vbdRef, cancellationToken))));
        var disks = vbds.Where(vbd => IsDisk(vbd.Record)).ToList();
        var vdis = await Task.WhenAll(disks.Select(vbd => Call.Vdi(vbd.Record.Vdi, cancellationToken)));
        return [.. disks.Zip(vdis)
            .Select(pair => new VmDisk(pair.First.Ref, pair.First.Record, pair.First.Record.Vdi, pair.Second, ToDisk(pair.First.Record, pair.Second)))
            .OrderBy(d => d.Disk.Number)];
    }

    private async Task<VmDisk> FindDiskAsync(VmRecord vm, string diskId, CancellationToken cancellationToken)
        => (await DisksOfAsync(vm, cancellationToken)).FirstOrDefault(d => d.Disk.Id == diskId)
           ?? throw new EntityNotFoundException($"Guest '{vm.NameLabel}' has no disk '{diskId}'.");

    /// <summary>An SR new disks can go to, by uuid or name: 404 when none is, 400 for an ISO library.</summary>
    private async Task<string> FindDiskSrAsync(string storageId, CancellationToken cancellationToken)
    {
        var srs = await Call.AllSrs(cancellationToken);
        var matches = srs.Where(sr => string.Equals(sr.Value.Uuid, storageId, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 0)
        {
            matches = [.. srs.Where(sr => sr.Value.NameLabel == storageId)];
        }

        var (srRef, record) = matches.Count switch
        {
            1 => matches[0],
            0 => throw EntityNotFoundException.Of("Storage", storageId),
            _ => throw new ConflictException($"{matches.Count} storage repositories are named '{storageId}': name one by its uuid."),
        };
        return IsIsoLibrary(record)
            ? throw new InvalidArgumentException($"Storage '{storageId}' is an ISO library: disks cannot be made there.")
            : srRef;
    }

    /// <summary>Where a disk goes when no SR is named: the SR of disk 0, else the pool's default SR.</summary>
    private async Task<string> DefaultSrForAsync(VmRecord vm, CancellationToken cancellationToken)
    {
        var first = (await DisksOfAsync(vm, cancellationToken)).FirstOrDefault(d => d.Disk.Number == 0);
        if (first is not null && !XenRefs.IsNull(first.Vdi.Sr))
        {
            return first.Vdi.Sr;
        }

        var pool = (await Call.AllPools(cancellationToken)).Values.FirstOrDefault();
        return pool is null || XenRefs.IsNull(pool.DefaultSr)
            ? throw new InvalidArgumentException("The pool has no default SR: name one in storage_id.")
            : pool.DefaultSr;
    }

    private static bool IsIsoLibrary(SrRecord sr) => sr.ContentType == "iso" || sr.Type == "iso";

    /// <summary>XenAPI chooses the device (and so the bus) of a VBD itself: a bus cannot be asked for.</summary>
    private static void RefuseBus(string? bus)
    {
        if (bus is not null)
        {
            throw new FeatureNotAvailableException("XenAPI chooses a disk's bus itself (the VBD's device): 'bus' cannot be set on xen.");
        }
    }

    private static Disk ToDisk(VbdRecord vbd, VdiRecord vdi)
    {
        var extra = new Dictionary<string, string>
        {
            ["vdi_uuid"] = vdi.Uuid,
            ["readonly"] = vbd.Mode == "RO" || vdi.ReadOnly ? "true" : "false",
            ["attached"] = vbd.CurrentlyAttached ? "true" : "false",
        };
        return new Disk(
            Id: vbd.Userdevice,
            Name: vdi.NameLabel,
            Number: int.TryParse(vbd.Userdevice, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : -1,
            Size: Math.Round(vdi.VirtualSize / BytesPerGiB, 2),
            ExtraInfo: extra,
            Device: "disk",
            Bus: Bus(vbd.Device),
            Format: vdi.SmConfig.GetValueOrDefault("image-format"),
            Path: vdi.Uuid,
            SizeBytes: vdi.VirtualSize);
    }

    /// <summary>What the VBD's device name says of the bus (xvd*: Xen's PV block device); empty until xapi has named it.</summary>
    private static string Bus(string device) => device switch
    {
        _ when device.StartsWith("xvd", StringComparison.Ordinal) => "xen",
        _ when device.StartsWith("hd", StringComparison.Ordinal) => "ide",
        _ when device.StartsWith("sd", StringComparison.Ordinal) => "scsi",
        _ => "",
    };

    /// <summary>Bytes from GiB, whole.</summary>
    private static long Bytes(double gibibytes) => (long)Math.Round(gibibytes * BytesPerGiB);

    private static JsonObject NewVdi(string srRef, string name, long bytes) => new()
    {
        ["name_label"] = name,
        ["name_description"] = "",
        ["SR"] = srRef,
        ["virtual_size"] = bytes,
        ["type"] = "user",
        ["sharable"] = false,
        ["read_only"] = false,
        ["other_config"] = new JsonObject(),
        ["xenstore_data"] = new JsonObject(),
        ["sm_config"] = new JsonObject(),
        ["tags"] = new JsonArray(),
    };

    /// <summary>A VBD: a read-write disk, or an empty read-only CD drive (<paramref name="vdiRef"/> null).</summary>
    private static JsonObject NewVbd(string vmRef, string? vdiRef, string userdevice, string type) => new()
    {
        ["VM"] = vmRef,
        ["VDI"] = vdiRef ?? XenRefs.Null,
        ["userdevice"] = userdevice,
        ["bootable"] = false,
        ["mode"] = type == "CD" ? "RO" : "RW",
        ["type"] = type,
        ["empty"] = vdiRef is null,
        ["unpluggable"] = true, // The original made VBDs that could never be hot-unplugged.
        ["other_config"] = new JsonObject(),
        ["qos_algorithm_type"] = "",
        ["qos_algorithm_params"] = new JsonObject(),
    };
}
