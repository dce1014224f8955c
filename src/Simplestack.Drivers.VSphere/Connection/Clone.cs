using System.Globalization;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere;

// Clones (API.md §3) and guests made from a template (§4, `image`), both CloneVM_Task: a full copy
// of every disk (vSphere clones copy; `image_copy` accepts only "full"), a new uuid, and new
// generated MACs asked for explicitly (vSphere copies a manual MAC, vcsim copies every one). vSphere
// could clone a running VM; the API's contract says 409, which is kept. A clone that fails half-way
// is destroyed, whatever the server made of it.
public sealed partial class VSphereConnection : IGuestCloning
{
    private static readonly string[] CloneSourcePaths =
        ["name", "parent", "resourcePool", "runtime.powerState", "config.hardware.device", "config.annotation"];

    public async Task<Guest> CloneGuestAsync(string guestId, string name, CancellationToken cancellationToken)
    {
        CheckName(name);
        var vm = await FindVmAsync(guestId, cancellationToken);
        var source = await _collector.RetrieveOneAsync(vm, CloneSourcePaths, cancellationToken);
        var state = source.Text("runtime.powerState");
        if (state != "poweredOff")
        {
            throw new ConflictException($"Cannot clone guest '{source.Text("name")}': it is {state}; stop it first.");
        }

        await RefuseTakenVmNameAsync(name, cancellationToken);
        var folder = source.Val("parent") is { } parent ? MoRef.From(parent) : throw new HypervisorErrorException("The vSphere server did not say which folder the VM is in.");
        var pool = source.Val("resourcePool") is { } owner ? MoRef.From(owner) : throw new HypervisorErrorException("The vSphere server did not say which resource pool the VM is in.");
        var devices = GuestMapping.Devices(source.Val("config.hardware.device")).ToList();

        await using var undo = new Reverter(_logger);
        var clone = await CloneVmAsync(vm, folder, name, CloneSpecs.Clone(pool, null, [.. devices.Where(NicSpecs.IsNic).Select(NicSpecs.NewMac)], ExtraConfig.ForClone()),
            fromTemplate: false, TaskShare.Whole("cloning"), undo, cancellationToken);

        // vSphere copies the annotation (the tags); vcsim does not.
        var annotation = source.Text("config.annotation") ?? "";
        if ((await _collector.RetrieveOneAsync(clone, ["config.annotation"], cancellationToken)).Text("config.annotation") is var copied && (copied ?? "") != annotation)
        {
            await RunTaskAsync("ReconfigVM_Task", clone, cancellationToken, ConfigSpecs.Reconfigure(annotation: annotation));
        }

        var guest = await ReadGuestAsync(clone, cancellationToken);
        undo.Commit();
        return guest;
    }

    /// <summary>
    /// A guest cloned from the template <c>image</c> names into the placement's folder and pool,
    /// then one ReconfigVM_Task: memory and cpus; the body's first disk grows the template's boot
    /// disk when larger (never shrinks, as the xen driver does), the other disks are added beside it;
    /// the body's NICs replace the template's when given. Everything is resolved first.
    /// </summary>
    private async Task<Guest> CreateFromTemplateAsync(GuestCreateRequest request, IReadOnlyList<ObjectContent> inventory, Placement placement, CancellationToken cancellationToken)
    {
        if (request.ImageCopy is not null and not "full")
        {
            throw new InvalidArgumentException("image_copy: a vSphere clone is a full copy of the template's disks; only \"full\" is accepted.");
        }

        var template = await FindTemplateAsync(request.Image!, cancellationToken);
        var portGroups = PortGroups.From(inventory, []);
        var nics = (request.NetworkInterfaces ?? []).Select((n, i) => new NewNic(
            PortGroups.Target(portGroups, n.Network, $"network_interfaces[{i}].network"),
            CheckModel(n.Model, $"network_interfaces[{i}].model"),
            CheckMac(n.Mac, $"network_interfaces[{i}].mac"))).ToList();
        if (nics.Where(n => n.Mac is not null).GroupBy(n => n.Mac).Any(g => g.Count() > 1))
        {
            throw new InvalidArgumentException("network_interfaces: a MAC address is given twice.");
        }

        var bodyDisks = request.Disks ?? [];
        var disks = bodyDisks.Select(d => new NewDisk(
            (long)Math.Ceiling(d.Size * KiBPerGiB),
            d.StorageId is null ? placement.DatastoreName : Placement.Datastore(inventory, d.StorageId))).ToList();
        var templateDevices = GuestMapping.Devices(template.Val("config.hardware.device")).ToList();
        if (disks.Count > 0 && !templateDevices.Any(GuestMapping.IsDisk))
        {
            throw new FeatureNotImplementedException($"Template '{template.Text("name")}' has no disk: the vmware driver adds the body's disks beside a template's boot disk only, so far.");
        }

        MoRef? datastore = bodyDisks.Count > 0 && bodyDisks[0].StorageId is not null
            ? inventory.First(o => o.Obj.Type == "Datastore" && o.Text("name") == disks[0].DatastoreName).Obj
            : null;

        await using var undo = new Reverter(_logger);
        var newMacs = nics.Count == 0 ? templateDevices.Where(NicSpecs.IsNic).Select(NicSpecs.NewMac).ToList() : [];
        var vm = await CloneVmAsync(template.Obj, placement.VmFolder, request.Name, CloneSpecs.Clone(placement.ResourcePool, datastore, newMacs, ExtraConfig.ForClone()),
            fromTemplate: true, new TaskShare(0, 90, "cloning"), undo, cancellationToken);

        var devices = GuestMapping.Devices((await _collector.RetrieveOneAsync(vm, ["config.hardware.device"], cancellationToken)).Val("config.hardware.device")).ToList();
        var spec = ConfigSpecs.Reconfigure(memoryMiB: request.Memory, cpus: request.Cpus);
        spec.Add(TemplateDiskChanges(devices, disks));
        if (nics.Count > 0)
        {
            spec.Add(devices.Where(NicSpecs.IsNic).Select(NicSpecs.Remove));
            spec.Add(nics.Select((nic, i) => NicSpecs.Add(nic, -200 - i)));
        }

        await RunTaskAsync("ReconfigVM_Task", vm, new TaskShare(90, 100, "configuring"), cancellationToken, spec);
        if (request.Start)
        {
            await RunTaskAsync("PowerOnVM_Task", vm, cancellationToken);
        }

        var guest = await ReadGuestAsync(vm, cancellationToken);
        undo.Commit();
        return guest;
    }

    /// <summary>The first body disk grows the boot disk (the disk with the lowest key) when larger; the others go on its controller's free units.</summary>
    private static IEnumerable<XElement> TemplateDiskChanges(IReadOnlyList<XElement> devices, IReadOnlyList<NewDisk> disks)
    {
        if (disks.Count == 0)
        {
            yield break;
        }

        var boot = devices.Where(GuestMapping.IsDisk).OrderBy(d => VmDevices.IntOf(d, "key")).First();
        if (disks[0].CapacityKiB * 1024 > GuestMapping.DiskBytes(boot))
        {
            yield return CloneSpecs.GrowDisk(boot, disks[0].CapacityKiB);
        }

        var controller = VmDevices.IntOf(boot, "controllerKey");
        var units = CloneSpecs.FreeUnits(devices.Where(d => VmDevices.IntOf(d, "controllerKey") == controller).Select(d => VmDevices.IntOf(d, "unitNumber")), disks.Count - 1);
        if (units.Count < disks.Count - 1)
        {
            throw new InvalidArgumentException($"disks: the template's disk controller has room for {units.Count} more disk(s), not {disks.Count - 1}.");
        }

        for (var i = 1; i < disks.Count; i++)
        {
            yield return CloneSpecs.AddDisk(disks[i], -101 - i, controller, units[i - 1]);
        }
    }

    /// <summary>
    /// CloneVM_Task into <paramref name="folder"/>; its undo destroys the clone. When the task fails,
    /// a VM of that name the server left behind (one that was not there before) is destroyed before
    /// the error is answered.
    /// </summary>
    private async Task<MoRef> CloneVmAsync(MoRef source, MoRef folder, string name, XElement spec, bool fromTemplate, TaskShare progress, Reverter undo, CancellationToken cancellationToken)
    {
        var before = (await VmsNamedAsync(name, cancellationToken)).ToHashSet();
        var sourceDisks = fromTemplate ? [] : GuestMapping.Devices((await _collector.RetrieveOneAsync(source, ["config.hardware.device"], cancellationToken)).Val("config.hardware.device"))
            .Where(GuestMapping.IsDisk).ToList();
        XElement? result;
        try
        {
            result = await RunTaskAsync("CloneVM_Task", source, progress, cancellationToken, Ref("folder", folder), E("name", name), spec);
        }
        catch (SimplestackException)
        {
            if (!fromTemplate)
            {
                await KeepSourceDisksQuietlyAsync(source, sourceDisks); // Before the leftovers go: vcsim may have re-pointed the source at their files.
            }

            await DestroyLeftoversAsync(name, before);
            throw;
        }

        var clone = result is null ? throw new HypervisorErrorException("The vSphere server cloned the VM but did not say which the clone is.") : MoRef.From(result);
        undo.Add($"VM {name}", async () => await DestroyAsync(clone, CancellationToken.None));
        if (!fromTemplate)
        {
            await KeepSourceDisksAsync(source, sourceDisks, cancellationToken);
        }

        return clone;
    }

    /// <summary>
    /// vcsim 0.24 shares device objects between a VM and its clone, so the source's disks come out
    /// of CloneVM_Task pointing at the clone's files (deleting the clone would then take them). A
    /// disk whose file changed is put back as it was; real vSphere never changes the source. A
    /// template cannot be reconfigured (NotSupported, on vcsim as on vSphere): its disks stay
    /// re-pointed in vcsim, which makes the next clone's disks afresh all the same.
    /// </summary>
    private async Task KeepSourceDisksAsync(MoRef source, IReadOnlyList<XElement> before, CancellationToken cancellationToken)
    {
        var now = GuestMapping.Devices((await _collector.RetrieveOneAsync(source, ["config.hardware.device"], cancellationToken)).Val("config.hardware.device"))
            .Where(GuestMapping.IsDisk).ToDictionary(d => d.ChildValue("key") ?? "");
        var moved = before.Where(d => now.TryGetValue(d.ChildValue("key") ?? "", out var disk) && FileOf(disk) != FileOf(d)).ToList();
        if (moved.Count > 0)
        {
            await RunTaskAsync("ReconfigVM_Task", source, cancellationToken,
                E("spec", moved.Select(d => E("deviceChange", E("operation", "edit"), DeviceSpecs.AsSent(d)))));
        }

        static string? FileOf(XElement disk) => disk.Child("backing")?.ChildValue("fileName");
    }

    private async Task KeepSourceDisksQuietlyAsync(MoRef source, IReadOnlyList<XElement> before)
    {
        try
        {
            await KeepSourceDisksAsync(source, before, CancellationToken.None);
        }
        catch (SimplestackException error)
        {
            VSphereCloneLog.SourceNotRestored(_logger, source.Value, error.Message);
        }
    }

    /// <summary>Destroys the VMs named <paramref name="name"/> that are not in <paramref name="before"/>; a failure is logged, the clone's own error is what is answered.</summary>
    private async Task DestroyLeftoversAsync(string name, HashSet<MoRef> before)
    {
        await using var cleanup = new Reverter(_logger);
        try
        {
            foreach (var vm in (await VmsNamedAsync(name, CancellationToken.None)).Where(vm => !before.Contains(vm)))
            {
                cleanup.Add($"VM {name} left by a failed clone", async () => await DestroyAsync(vm, CancellationToken.None));
            }
        }
        catch (SimplestackException)
        {
            // The server cannot be read now: nothing more can be cleaned up from here.
        }
    }

    private async Task<IEnumerable<MoRef>> VmsNamedAsync(string name, CancellationToken cancellationToken)
        => (await _collector.RetrieveAllAsync(new Dictionary<string, string[]> { ["VirtualMachine"] = ["name"] }, cancellationToken))
            .Where(vm => vm.Text("name") == name).Select(vm => vm.Obj);

    /// <summary>409 when any VM or template has the name (vSphere keeps names unique per folder; the API per target).</summary>
    private async Task RefuseTakenVmNameAsync(string name, CancellationToken cancellationToken)
    {
        var vms = await _collector.RetrieveAllAsync(new Dictionary<string, string[]> { ["VirtualMachine"] = ["name"] }, cancellationToken);
        if (vms.Any(vm => vm.Text("name") == name))
        {
            throw new ConflictException($"A guest or template named '{name}' exists already.");
        }
    }

}

internal static partial class VSphereCloneLog
{
    [LoggerMessage(EventId = 431, Level = LogLevel.Warning, Message = "The disks of VM {Vm} could not be checked after a failed clone: {Reason}")]
    public static partial void SourceNotRestored(ILogger logger, string vm, string reason);
}
