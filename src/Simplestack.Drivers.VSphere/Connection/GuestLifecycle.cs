using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere;

// Create (CreateVM_Task: a new VM with thin disks on a datastore and NICs on standard or
// distributed port groups; with `image`, a clone of that template: Clone.cs), update
// (ReconfigVM_Task: name, memory, cpus) and delete (power off, Destroy_Task).
// Everything a create needs is resolved before the first change, so a bad body changes nothing;
// a failure after the VM exists destroys it again.
public sealed partial class VSphereConnection : IGuestManagement
{
    private const double KiBPerGiB = 1024d * 1024;

    public async Task<Guest> CreateGuestAsync(GuestCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        CheckName(request.Name);
        RefuseNotBuiltYet(request);

        var inventory = await _collector.RetrieveAllAsync(Placement.Paths, cancellationToken);
        if (inventory.Any(o => GuestMapping.IsGuest(o) && o.Text("name") == request.Name))
        {
            throw new ConflictException($"A guest named '{request.Name}' exists already.");
        }

        var placement = Placement.Choose(inventory, request.Placement, _placement);
        if (request.Image is not null)
        {
            return await CreateFromTemplateAsync(request, inventory, placement, cancellationToken);
        }

        if (request.ImageCopy is not null)
        {
            throw new InvalidArgumentException("image_copy says how an image is copied: it needs an image.");
        }

        var disks = (request.Disks ?? []).Select(d => new NewDisk(
            (long)Math.Ceiling(d.Size * KiBPerGiB),
            d.StorageId is null ? placement.DatastoreName : Placement.Datastore(inventory, d.StorageId))).ToList();
        var nics = (request.NetworkInterfaces ?? []).Select((n, i) => new NewNic(
            Placement.Network(inventory, n.Network, $"network_interfaces[{i}].network"),
            CheckModel(n.Model, $"network_interfaces[{i}].model"),
            CheckMac(n.Mac, $"network_interfaces[{i}].mac"))).ToList();
        if (nics.Where(n => n.Mac is not null).GroupBy(n => n.Mac).Any(g => g.Count() > 1))
        {
            throw new InvalidArgumentException("network_interfaces: a MAC address is given twice.");
        }

        var datastore = disks.Count > 0 ? disks[0].DatastoreName : placement.DatastoreName;

        await using var undo = new Reverter(_logger);
        var spec = ConfigSpecs.Create("config", request.Name, request.Memory, request.Cpus ?? 1, datastore, disks, nics, ExtraConfig.StampOfCurrentWork());
        var result = await RunTaskAsync("CreateVM_Task", placement.VmFolder, cancellationToken, spec, Ref("pool", placement.ResourcePool))
                     ?? throw new HypervisorErrorException("The vSphere server created the VM but did not say which it is.");
        var vm = MoRef.From(result);
        undo.Add($"VM {request.Name}", async () => await DestroyAsync(vm, CancellationToken.None));
        if (request.Start)
        {
            await RunTaskAsync("PowerOnVM_Task", vm, cancellationToken);
        }

        var guest = await ReadGuestAsync(vm, cancellationToken);
        undo.Commit();
        return guest;
    }

    public async Task<Guest> UpdateGuestAsync(string guestId, GuestUpdateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        RefuseNotBuiltYet(request);
        if (request.Name is not null)
        {
            CheckName(request.Name); // A bad body is 400 whatever the guest's state.
        }

        var vm = await FindVmAsync(guestId, cancellationToken);
        var (name, state) = await ReadPowerAsync(vm, cancellationToken);
        if ((request.Name is not null || request.Cpus is not null) && state != "poweredOff")
        {
            throw new ConflictException($"Guest '{name}' is {state}: its name and cpus change only while it is powered off.");
        }

        if (request.Name is { } newName && newName != name)
        {
            var named = await _collector.RetrieveAllAsync(new Dictionary<string, string[]> { ["VirtualMachine"] = ["name", "config.uuid", "config.template"] }, cancellationToken);
            if (named.Any(o => GuestMapping.IsGuest(o) && o.Text("name") == newName))
            {
                throw new ConflictException($"A guest named '{newName}' exists already.");
            }
        }

        var applied = new Dictionary<string, string>();
        if (request.Name is not null)
        {
            applied["name"] = Applied.Live;
        }

        if (request.Memory is not null)
        {
            // A running VM's memory changes at once (memory hot-add) or the server refuses it; nothing waits for a boot.
            applied["memory"] = state == "poweredOn" ? Applied.Live : Applied.NextBoot;
        }

        if (request.Cpus is not null)
        {
            applied["cpus"] = Applied.NextBoot;
        }

        // hdd: the last disk grows, in the same ReconfigVM_Task (its deviceChange follows memoryMB in the WSDL's order).
        var growth = request.Hdd is { } hdd ? await PlanLastDiskGrowthAsync(vm, hdd, cancellationToken) : null;
        if (request.Hdd is not null)
        {
            applied["hdd"] = state == "poweredOn" ? Applied.Live : Applied.NextBoot;
        }

        if (applied.Count > 0)
        {
            var spec = ConfigSpecs.Reconfigure(request.Name, request.Memory, request.Cpus);
            spec.Add(growth);
            if (spec.HasElements)
            {
                await RunTaskAsync("ReconfigVM_Task", vm, growth is null ? null : TaskShare.Whole("growing"), cancellationToken, spec);
            }
        }

        return await ReadGuestAsync(vm, cancellationToken) with { Applied = applied };
    }

    /// <summary>
    /// A running or suspended VM is powered off first (vSphere destroys only powered-off VMs); its
    /// disks and snapshots go with it, but volumes attached from outside its folder are detached
    /// first and kept (Destroy_Task would delete every disk the VM has). With <c>keep_disks</c> the VM is only removed from the
    /// inventory (<c>UnregisterVM</c>, vSphere's "Remove from inventory"): every file stays in its
    /// datastore folder, disks and .vmx alike, so the disks remain volumes and the VM can be registered again.
    /// </summary>
    public async Task DeleteGuestAsync(string guestId, GuestDeleteOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var vm = await FindVmAsync(guestId, cancellationToken);
        if (options.KeepDisks)
        {
            if ((await ReadPowerAsync(vm, cancellationToken)).State != "poweredOff")
            {
                await RunTaskAsync("PowerOffVM_Task", vm, cancellationToken);
            }

            await _session.CallAsync("UnregisterVM", vm, cancellationToken);
            return;
        }

        await DetachForeignDisksAsync(vm, cancellationToken);
        await DestroyAsync(vm, cancellationToken);
    }

    private async Task DestroyAsync(MoRef vm, CancellationToken cancellationToken)
    {
        if ((await ReadPowerAsync(vm, cancellationToken)).State != "poweredOff")
        {
            await RunTaskAsync("PowerOffVM_Task", vm, cancellationToken);
        }

        await RunTaskAsync("Destroy_Task", vm, cancellationToken);
    }

    /// <summary>
    /// Names vSphere would store but the API could not address: empty, control characters, '/'
    /// (vCenter escapes it), over 80 characters; and "." or "..", because the server makes the VM's
    /// datastore folder from its name (vcsim then writes outside the datastore).
    /// </summary>
    private static void CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsControl) || name.Contains('/', StringComparison.Ordinal) || name.Length > 80
            || name is "." or "..")
        {
            throw new InvalidArgumentException("A guest name must be 1 to 80 characters, without control characters or '/', and not '.' or '..'.");
        }
    }

    private static void RefuseNotBuiltYet(GuestCreateRequest request)
    {
        var notBuilt = new (bool Given, string Name)[]
        {
            (request.Cdrom is not null, "cdrom"),
            (request.Install is not null, "install"), (request.UserData is not null, "user_data"), (request.SshKeys is { Count: > 0 }, "ssh_keys"),
            (request.Disks?.Any(d => d.Name is not null || d.Bus is not null) == true, "a disk's name or bus"),
        }.Where(f => f.Given).Select(f => f.Name).ToList();
        if (notBuilt.Count > 0)
        {
            throw new FeatureNotImplementedException($"The vmware driver does not build {string.Join(", ", notBuilt)} at create yet.");
        }

        var notVSphere = new (bool Given, string Name)[] { (request.DomainType is not null, "domain_type"), (request.Rootfs is not null, "rootfs"), (request.Init is not null, "init") }
            .Where(f => f.Given).Select(f => f.Name).ToList();
        if (notVSphere.Count > 0)
        {
            throw new FeatureNotAvailableException($"vSphere guests have no {string.Join(", ", notVSphere)}.");
        }
    }

    private static void RefuseNotBuiltYet(GuestUpdateRequest request)
    {
        if (request.Paravirtualized is not null || request.Template is not null)
        {
            throw new FeatureNotImplementedException("The vmware driver does not change paravirtualized or template yet; name, memory, cpus and hdd it does.");
        }

        if (request.MemoryLimits is not null || request.MemoryTargetLive is not null || request.VcpusMax is not null
            || request.VcpusNumberLive is not null || request.VcpuSettings is not null || request.HaEnabled is not null)
        {
            throw new FeatureNotAvailableException("vSphere has no memory limits, live memory target, vcpus_max, live vCPU count, vcpu_settings or ha_enabled in the original's sense: change memory and cpus.");
        }
    }
}
