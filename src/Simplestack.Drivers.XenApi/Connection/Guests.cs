using Simplestack.Core;
using Simplestack.Drivers.XenApi.Inventory;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// Guest reads: the list from the inventory (else in bulk calls whose number does not grow with
// the guests), one guest by uuid or name. Templates, snapshots and the control domain are not guests.
public sealed partial class XenApiConnection
{
    /// <summary>
    /// Every guest, from the connection's inventory (<see cref="XenInventory"/>): one event.from
    /// seeds it, the pool's events and the gateway's own writes keep it current, and lists answer
    /// from memory. When the pool will not serve events, <see cref="ReadAllGuestsAsync"/> each time.
    /// </summary>
    public Task<IReadOnlyList<Guest>> ListGuestsAsync(CancellationToken cancellationToken) => _inventory.ListAsync(cancellationToken);

    /// <summary>The list read from the pool: bulk calls whose number does not grow with the guests.</summary>
    private async Task<IReadOnlyList<Guest>> ReadAllGuestsAsync(CancellationToken cancellationToken)
    {
        var vmsTask = Call.AllVms(cancellationToken);
        var metricsTask = Call.AllGuestMetrics(cancellationToken);
        var vbdsTask = Call.AllVbds(cancellationToken);
        var vdisTask = Call.AllVdis(cancellationToken);
        var hostsTask = Call.AllHosts(cancellationToken);
        await Task.WhenAll(vmsTask, metricsTask, vbdsTask, vdisTask, hostsTask);
        var (vms, metrics, vbds, vdis, hosts) = (vmsTask.Result, metricsTask.Result, vbdsTask.Result, vdisTask.Result, hostsTask.Result);

        return [.. vms.Values
            .Where(GuestMapping.IsGuest)
            .Select(vm => GuestMapping.ToGuest(
                vm,
                metrics.GetValueOrDefault(vm.GuestMetrics),
                vm.Vbds.Select(vbds.GetValueOrDefault).Where(IsDisk).Select(b => vdis.GetValueOrDefault(b!.Vdi)).OfType<VdiRecord>(),
                hosts.GetValueOrDefault(vm.ResidentOn)?.NameLabel ?? ""))
            .OrderBy(g => g.Name, StringComparer.Ordinal)];
    }

    /// <summary>One guest, read from the pool (not the inventory): a few calls, and never older than the call.</summary>
    public async Task<Guest> GetGuestAsync(string guestId, CancellationToken cancellationToken)
    {
        var (vmRef, _) = await FindVmAsync(guestId, cancellationToken);
        return await ReadGuestAsync(vmRef, cancellationToken);
    }

    /// <summary>The guest a VM ref names now, read with its metrics, disks and host.</summary>
    private async Task<Guest> ReadGuestAsync(string vmRef, CancellationToken cancellationToken)
    {
        var vm = await Call.Vm(vmRef, cancellationToken);
        var metricsTask = XenRefs.IsNull(vm.GuestMetrics) ? Task.FromResult<GuestMetricsRecord?>(null) : GuestMetricsOrNullAsync(vm.GuestMetrics, cancellationToken);
        var hostTask = XenRefs.IsNull(vm.ResidentOn) ? Task.FromResult("") : Call.HostName(vm.ResidentOn, cancellationToken);
        var disks = await DiskVdisAsync(vm, cancellationToken);
        return GuestMapping.ToGuest(vm, await metricsTask, disks.Select(d => d.Record), await hostTask);
    }

    private async Task<GuestMetricsRecord?> GuestMetricsOrNullAsync(string metrics, CancellationToken cancellationToken)
    {
        try
        {
            return await Call.GuestMetrics(metrics, cancellationToken);
        }
        catch (EntityNotFoundException)
        {
            return null; // The guest agent's record went away with a reboot: no addresses for now.
        }
    }

    /// <summary>The VDIs behind the VM's Disk VBDs (CDs and empty drives left out), with their refs.</summary>
    private async Task<List<(string Ref, VdiRecord Record)>> DiskVdisAsync(VmRecord vm, CancellationToken cancellationToken)
    {
        var vbds = await Task.WhenAll(vm.Vbds.Select(vbd => Call.Vbd(vbd, cancellationToken)));
        var refs = vbds.Where(IsDisk).Select(vbd => vbd.Vdi).Distinct(StringComparer.Ordinal).ToList();
        var records = await Task.WhenAll(refs.Select(vdi => Call.Vdi(vdi, cancellationToken)));
        return [.. refs.Zip(records)];
    }

    private static bool IsDisk(VbdRecord? vbd) => GuestRecords.IsDisk(vbd);

    /// <summary>
    /// A guest's ref and record by uuid or name: 404 when no guest has it (templates, snapshots and
    /// the control domain are not guests), 409 when several guests share the name.
    /// </summary>
    private async Task<(string Ref, VmRecord Record)> FindVmAsync(string guestId, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(guestId, out _))
        {
            try
            {
                var vmRef = await Call.VmByUuid(guestId, cancellationToken);
                var vm = await Call.Vm(vmRef, cancellationToken);
                if (GuestMapping.IsGuest(vm))
                {
                    return (vmRef, vm);
                }
            }
            catch (EntityNotFoundException)
            {
                // Not a uuid of this pool: it may still be a name.
            }
        }

        var found = new List<(string, VmRecord)>();
        foreach (var vmRef in await Call.VmsByName(guestId, cancellationToken))
        {
            var vm = await Call.Vm(vmRef, cancellationToken);
            if (GuestMapping.IsGuest(vm))
            {
                found.Add((vmRef, vm));
            }
        }

        return found.Count switch
        {
            1 => found[0],
            0 => throw EntityNotFoundException.Of("Guest", guestId),
            _ => throw new ConflictException($"{found.Count} guests are named '{guestId}': name one by its uuid."),
        };
    }
}
