using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// Snapshots are VMs with is_a_snapshot (VM.snapshot, VM.checkpoint, VM.snapshots, VM.revert).
// Their API id is their name (unique per guest; the uuid is accepted too), created is
// snapshot_time in UTC. A running guest is checkpointed (disks and memory), so reverting to it
// brings the guest back running, as a snapshot of a running guest means on every driver; a
// guest that is not running gets a disk snapshot and reverts halted.
public sealed partial class XenApiConnection
{
    public async Task<IReadOnlyList<Snapshot>> ListSnapshotsAsync(string guestId, CancellationToken cancellationToken)
    {
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        var snapshots = await Task.WhenAll(vm.Snapshots.Select(s => Call.Vm(s, cancellationToken)));
        return [.. snapshots.Select(ToSnapshot).OrderBy(s => s.Created).ThenBy(s => s.Name, StringComparer.Ordinal)];
    }

    public async Task<Snapshot> GetSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken)
    {
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        var (_, snapshot) = await FindSnapshotAsync(vm, snapshotId, cancellationToken);
        return ToSnapshot(snapshot);
    }

    public async Task<Snapshot> CreateSnapshotAsync(string guestId, SnapshotCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var (vmRef, vm) = await FindVmAsync(guestId, cancellationToken);
        var name = request.Name ?? $"snapshot-{DateTime.UtcNow:yyyyMMdd-HHmmss-fff}";
        CheckName(name, "snapshot");
        var existing = await Task.WhenAll(vm.Snapshots.Select(s => Call.Vm(s, cancellationToken)));
        if (existing.Any(s => s.NameLabel == name))
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' already has a snapshot named '{name}'.");
        }

        // The snapshot copies the guest's other_config (its stamp and ledger among it): harmless, as
        // snapshots are neither guests nor looked into for keys, and a revert brings back the guest's own.
        await using var undo = new Reverter(_logger);
        var snapshotRef = await SnapshotVmAsync(vmRef, name, checkpoint: vm.PowerState == "Running", cancellationToken);
        undo.Add($"snapshot {name}", async () =>
            await DestroyVmAndOwnDisksAsync(snapshotRef, await Call.Vm(snapshotRef, CancellationToken.None), keepDisks: false, CancellationToken.None));
        var snapshot = ToSnapshot(await Call.Vm(snapshotRef, cancellationToken));
        await RecordMadeAsync(vmRef, CreatedKind.Snapshot, snapshot.Id, cancellationToken);
        undo.Commit();
        return snapshot;
    }

    /// <summary>Reverts the guest to the snapshot: a checkpoint's guest runs again, a disk snapshot's is halted.</summary>
    public async Task RevertSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken)
    {
        var (vmRef, vm) = await FindVmAsync(guestId, cancellationToken);
        var (snapshotRef, snapshot) = await FindSnapshotAsync(vm, snapshotId, cancellationToken);
        await Call.Revert(snapshotRef, cancellationToken);
        await RestoreLedgerAsync(vmRef, vm.OtherConfig.GetValueOrDefault(LedgerKey), cancellationToken);

        // xapi leaves a VM reverted to a checkpoint Suspended with the checkpoint's memory; the
        // guest was running when it was taken, so it runs again (as XenCenter's revert does).
        if (snapshot.PowerState == "Suspended")
        {
            await Call.Resume(vmRef, cancellationToken);
        }
    }

    /// <summary>Destroys the snapshot and the VDIs it alone holds (its disks' frozen copies).</summary>
    public async Task DeleteSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken)
    {
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        var (snapshotRef, snapshot) = await FindSnapshotAsync(vm, snapshotId, cancellationToken);
        await DestroyVmAndOwnDisksAsync(snapshotRef, snapshot, keepDisks: false, cancellationToken);
    }

    private async Task<(string Ref, VmRecord Record)> FindSnapshotAsync(VmRecord vm, string snapshotId, CancellationToken cancellationToken)
    {
        foreach (var snapshotRef in vm.Snapshots)
        {
            var snapshot = await Call.Vm(snapshotRef, cancellationToken);
            if (snapshot.NameLabel == snapshotId || string.Equals(snapshot.Uuid, snapshotId, StringComparison.OrdinalIgnoreCase))
            {
                return (snapshotRef, snapshot);
            }
        }

        throw new EntityNotFoundException($"Guest '{vm.NameLabel}' has no snapshot '{snapshotId}'.");
    }

    private static Snapshot ToSnapshot(VmRecord snapshot)
        => new(Id: snapshot.NameLabel, Name: snapshot.NameLabel, State: snapshot.PowerState, Path: null, Created: GuestMapping.ParseTime(snapshot.SnapshotTime));

    /// <summary>
    /// Destroys a VM (or snapshot), then the VDIs that it alone used: never a sharable one, never
    /// one another VM or snapshot also has a VBD to, never a volume attached to it. A disk that cannot be destroyed is logged and
    /// left (the VM is gone already; the operator learns what remains).
    /// </summary>
    private async Task DestroyVmAndOwnDisksAsync(string vmRef, VmRecord vm, bool keepDisks, CancellationToken cancellationToken)
    {
        var own = keepDisks ? [] : await OwnDisksAsync(vmRef, vm, cancellationToken);
        await Call.DestroyVm(vmRef, cancellationToken);
        foreach (var (vdiRef, vdi) in own)
        {
            try
            {
                await Call.DestroyVdi(vdiRef, cancellationToken);
            }
            catch (SimplestackException error) when (error is not EntityNotFoundException)
            {
                XenApiLog.DiskLeft(_logger, vm.Uuid, vdi.Uuid, error.Message);
            }
        }
    }

    private async Task<List<(string Ref, VdiRecord Record)>> OwnDisksAsync(string vmRef, VmRecord vm, CancellationToken cancellationToken)
    {
        var own = new List<(string, VdiRecord)>();
        foreach (var (vdiRef, vdi) in await DiskVdisAsync(vm, cancellationToken))
        {
            if (vdi.Sharable)
            {
                continue;
            }

            var users = await Task.WhenAll(vdi.Vbds.Select(vbd => Call.Vbd(vbd, cancellationToken)));
            if (users.All(vbd => vbd.Vm == vmRef) && !users.Any(IsAttachedVolume))
            {
                own.Add((vdiRef, vdi));
            }
        }

        return own;
    }
}
