using System.Text.Json.Nodes;
using Simplestack.Core;
using Simplestack.Core.Work;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// Create (from a template: clone, provision, memory, vCPUs, NICs, start) and delete; update is GuestUpdate.cs.
public sealed partial class XenApiConnection
{
    public async Task<Guest> CreateGuestAsync(GuestCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        CheckName(request.Name, "guest");
        RefuseNotBuiltYet(request);
        if (request.Placement is not null)
        {
            throw new FeatureNotAvailableException("placement (datacenter, cluster, resource pool, folder) is vSphere's: a xen guest is made in the pool addressed.");
        }
        var image = request.Image ?? throw new InvalidArgumentException("A Xen guest is made from a template: name it in 'image' (its name or uuid).");

        var vms = await Call.AllVms(cancellationToken);
        if (vms.Values.Any(vm => GuestMapping.IsGuest(vm) && vm.NameLabel == request.Name))
        {
            throw new ConflictException($"A guest named '{request.Name}' exists already.");
        }

        var template = FindTemplate(vms, image);
        var networks = await ResolveNetworksAsync(request.NetworkInterfaces ?? [], cancellationToken);
        var diskSrs = await ResolveDiskSrsAsync(request.Disks ?? [], cancellationToken);
        var isoRef = request.Cdrom is { } cdrom ? await FindIsoAsync(cdrom, cancellationToken) : null;

        await using var undo = new Reverter(_logger);
        var vmRef = await CloneVmAsync(template.Key, request.Name, new(0, 40, "cloning"), cancellationToken);
        undo.Add($"VM {request.Name}", async () =>
        {
            // Provisioning may have made disks: they go with the VM, and only they (a clone's own VDIs).
            var made = await Call.Vm(vmRef, CancellationToken.None);
            await DestroyVmAndOwnDisksAsync(vmRef, made, keepDisks: false, CancellationToken.None);
        });

        await StampMadeVmAsync(vmRef, template.Value.OtherConfig, cancellationToken);
        await ProvisionVmAsync(vmRef, new(40, 80, "provisioning"), cancellationToken);
        await Call.SetIsATemplate(vmRef, false, cancellationToken);
        var vm = await Call.Vm(vmRef, cancellationToken);
        await SetMemoryAsync(vmRef, vm, request.Memory, cancellationToken);
        if (request.Cpus is { } cpus)
        {
            await SetCpusAsync(vmRef, vm, cpus, cancellationToken);
        }

        // As on every driver, with an image the body's first disk is the boot disk: when the
        // template provisioned one, it grows to that size (never shrinks: the larger wins) where
        // provisioning put it, and the other disks come after it. A diskless template ("Other
        // install media") gets every disk of the body. Each added disk has its own undo (a VDI
        // whose VBD failed is not the VM's yet, so the VM's undo would not find it).
        var provisioned = await DisksOfAsync(vm, cancellationToken);
        if (provisioned.Count > 0 && diskSrs.Count > 0)
        {
            var boot = provisioned[0];
            await GrowDiskAsync(vm, boot, Math.Max(boot.Vdi.VirtualSize, Bytes(diskSrs[0].Spec.Size)), cancellationToken);
            diskSrs.RemoveAt(0);
        }

        foreach (var (spec, srRef) in diskSrs)
        {
            await AddDiskAsync(vmRef, vm, spec.Size, spec.Name, srRef ?? await DefaultSrForAsync(vm, cancellationToken), undo, cancellationToken);
            vm = await Call.Vm(vmRef, cancellationToken);
        }

        if (isoRef is not null)
        {
            await MountAsync(vmRef, vm, isoRef, undo, cancellationToken); // The drive goes with the VM; the ISO stays.
        }

        var devices = (await VifsAsync(vm, cancellationToken)).Select(v => v.Record.Device).ToList();
        foreach (var (networkRef, mac) in networks)
        {
            // VIFs are destroyed with the VM: the VM's undo covers them.
            var device = NextFreeDevice(devices);
            await Call.CreateVif(NewVif(vmRef, networkRef, device, mac), cancellationToken);
            devices.Add(device.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (request.Start)
        {
            await Call.Start(vmRef, cancellationToken);
        }

        var guest = await ReadGuestAsync(vmRef, cancellationToken);
        undo.Commit();
        WorkContext.Report(100, "created");
        return guest;
    }

    /// <summary>Fields of the create body this driver does not build yet: refused, never ignored.</summary>
    private static void RefuseNotBuiltYet(GuestCreateRequest request)
    {
        var fields = new (bool Given, string Name)[]
        {
            (request.Install is not null, "install"),
            (request.UserData is not null, "user_data"), (request.SshKeys is { Count: > 0 }, "ssh_keys"), (request.ImageCopy is not null, "image_copy"),
            (request.DomainType is not null, "domain_type"), (request.Rootfs is not null, "rootfs"), (request.Init is not null, "init"),
        };
        var given = fields.Where(f => f.Given).Select(f => f.Name).ToList();
        if (given.Count > 0)
        {
            throw new FeatureNotImplementedException($"The xen driver does not build {string.Join(", ", given)} at create yet.");
        }
    }

    private static KeyValuePair<string, VmRecord> FindTemplate(Dictionary<string, VmRecord> vms, string image)
    {
        var templates = vms.Where(vm => vm.Value.IsATemplate && !vm.Value.IsASnapshot).ToList();
        var byUuid = templates.FirstOrDefault(t => string.Equals(t.Value.Uuid, image, StringComparison.OrdinalIgnoreCase));
        if (byUuid.Value is not null)
        {
            return byUuid;
        }

        var byName = templates.Where(t => t.Value.NameLabel == image).ToList();
        return byName.Count switch
        {
            1 => byName[0],
            0 => throw new InvalidArgumentException($"image: no template is named '{image}'."), // A body field naming nothing: 400, as for networks.
            _ => throw new ConflictException($"{byName.Count} templates are named '{image}': name one by its uuid."),
        };
    }

    /// <summary>The SR of every disk of the body that names one (404 when it does not exist), found before anything is made.</summary>
    private async Task<List<(DiskSpec Spec, string? SrRef)>> ResolveDiskSrsAsync(IReadOnlyList<DiskSpec> disks, CancellationToken cancellationToken)
    {
        var resolved = new List<(DiskSpec, string?)>();
        foreach (var disk in disks)
        {
            RefuseBus(disk.Bus);
            if (disk.Name is not null)
            {
                CheckName(disk.Name, "disk");
            }

            resolved.Add((disk, disk.StorageId is null ? null : await FindDiskSrAsync(disk.StorageId, cancellationToken)));
        }

        return resolved;
    }

    /// <summary>Every NIC's network and MAC, checked before anything is made (as a NIC added later is).</summary>
    private async Task<List<(string NetworkRef, string? Mac)>> ResolveNetworksAsync(IReadOnlyList<NicSpec> nics, CancellationToken cancellationToken)
    {
        var resolved = new List<(string, string?)>();
        foreach (var nic in nics)
        {
            resolved.Add(await ResolveNicAsync(nic, "network_interfaces: ", cancellationToken));
        }

        return resolved;
    }

    /// <summary>
    /// Halted: every limit to <paramref name="mebibytes"/> (static_min lowered when needed), from the
    /// next boot. Running: the dynamic range (both ends, so the balloon settles there), live,
    /// within the static range xapi fixes while the VM runs (outside it: 409).
    /// </summary>
    private async Task<string> SetMemoryAsync(string vmRef, VmRecord vm, long mebibytes, CancellationToken cancellationToken)
    {
        var bytes = GuestMapping.Bytes(mebibytes);
        if (vm.PowerState == "Halted")
        {
            await Call.SetMemoryLimits(vmRef, Math.Min(vm.MemoryStaticMin, bytes), bytes, bytes, bytes, cancellationToken);
            return Applied.NextBoot;
        }

        if (bytes > vm.MemoryStaticMax || bytes < vm.MemoryStaticMin)
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: memory outside its static range ({vm.MemoryStaticMin / BytesPerMiB} to {vm.MemoryStaticMax / BytesPerMiB} MiB) needs it halted.");
        }

        await Call.SetMemoryDynamicRange(vmRef, bytes, bytes, cancellationToken);
        return Applied.Live;
    }

    /// <summary>VCPUs_max and VCPUs_at_startup both to <paramref name="cpus"/>, in the order that keeps at_startup ≤ max.</summary>
    private async Task SetCpusAsync(string vmRef, VmRecord vm, int cpus, CancellationToken cancellationToken)
    {
        if (cpus > vm.VcpusMax)
        {
            await Call.SetVcpusMax(vmRef, cpus, cancellationToken);
            await Call.SetVcpusAtStartup(vmRef, cpus, cancellationToken);
        }
        else
        {
            await Call.SetVcpusAtStartup(vmRef, cpus, cancellationToken);
            await Call.SetVcpusMax(vmRef, cpus, cancellationToken);
        }
    }

    /// <summary>
    /// Deletes a guest: a running one is hard-shut-down first, then its snapshots go (with their own
    /// disks), then the VM and the VDIs it alone used (never a shared one); keep_disks keeps them.
    /// </summary>
    public async Task DeleteGuestAsync(string guestId, GuestDeleteOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (vmRef, vm) = await FindVmAsync(guestId, cancellationToken);
        if (vm.PowerState != "Halted")
        {
            await Call.HardShutdown(vmRef, cancellationToken);
        }

        foreach (var snapshotRef in vm.Snapshots)
        {
            var snapshot = await Call.Vm(snapshotRef, cancellationToken);
            await DestroyVmAndOwnDisksAsync(snapshotRef, snapshot, options.KeepDisks, cancellationToken);
        }

        await DestroyVmAndOwnDisksAsync(vmRef, await Call.Vm(vmRef, cancellationToken), options.KeepDisks, cancellationToken);
    }

    /// <summary>Names XenAPI would store but the API could not address: empty, control characters, '/'.</summary>
    private static void CheckName(string name, string what)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsControl) || name.Contains('/', StringComparison.Ordinal) || name.Length > 255)
        {
            throw new InvalidArgumentException($"A {what} name must be 1 to 255 characters, without control characters or '/'.");
        }
    }
}
