using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Core.Work;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

// Idempotency keys (API.md §9) kept in vSphere itself, so any gateway finds them after any restart:
// a VM made by a keyed request carries its stamp in extraConfig["simplestack.idempotency"], written
// by the spec that makes it (CreateVM_Task, CloneVM_Task's config, the import spec); a key at work
// is claimed by a datastore directory (IdempotencyMarkers.cs), for a guest not made yet and for
// what is made on one alike; a guest's keyed snapshots, disks and NICs, once made, are recorded in
// its extraConfig["simplestack.ledger"] (put back after a revert, which restores the snapshot's).
public sealed partial class VSphereConnection : IIdempotentCreation
{
    private static readonly string[] StampPaths = ["config.uuid", "config.template", "config.extraConfig"];
    private static readonly string[] LedgerPaths = ["config.extraConfig", "config.changeVersion"];

    /// <summary>A ledger write that met another change (ConcurrentAccess) is read and tried again, this many times in all.</summary>
    private const int LedgerWriteAttempts = 5;

    public async Task<IdempotencyRecord?> FindCreatedAsync(CreatedScope scope, string keyHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Kind == CreatedKind.Guest)
        {
            return await FindStampedGuestAsync(keyHash, cancellationToken) ?? await FindMarkerAsync(keyHash, cancellationToken);
        }

        // The marker first, the ledger after: work that ended (recorded, then its marker removed)
        // between the two reads is in the ledger read after.
        var vm = await FindVmAsync(GuestOf(scope), cancellationToken);
        var working = await FindMarkerAsync(MarkerId(scope, vm, keyHash), cancellationToken);
        var (entries, _) = await ReadLedgerAsync(vm, cancellationToken);
        return IdempotencyLedger.Find(entries, scope.Kind, keyHash, DateTimeOffset.UtcNow) ?? working;
    }

    public async Task<IAsyncDisposable> MarkStartedAsync(CreatedScope scope, IdempotencyStamp stamp, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(stamp);
        MoRef? vm = scope.Kind == CreatedKind.Guest ? null : await FindVmAsync(GuestOf(scope), cancellationToken);
        return await ClaimMarkerAsync(MarkerId(scope, vm, stamp.KeyHash), stamp, lease, cancellationToken);
    }

    /// <summary>
    /// After a keyed snapshot, disk or NIC is made: its done entry in the guest's ledger (replacing
    /// the working one). Nothing without a current key.
    /// </summary>
    private async Task RecordCreatedAsync(MoRef vm, CreatedKind kind, string createdId, CancellationToken cancellationToken)
    {
        if (WorkContext.Current?.Idempotency is not { } stamp)
        {
            return;
        }

        var done = new IdempotencyEntry(kind, stamp, createdId, DateTimeOffset.UtcNow, null);
        await UpdateLedgerAsync(vm, entries => IdempotencyLedger.With(entries, done), cancellationToken);
    }

    /// <summary>
    /// The ledger's extraConfig entry with the done entry of <paramref name="createdId"/>, for a
    /// spec that makes the thing itself (a disk's ReconfigVM_Task); nothing without a current key.
    /// </summary>
    private async Task<IEnumerable<System.Xml.Linq.XElement>> LedgerWithCreatedAsync(MoRef vm, CreatedKind kind, string createdId, CancellationToken cancellationToken)
    {
        if (WorkContext.Current?.Idempotency is not { } stamp)
        {
            return [];
        }

        var (entries, _) = await ReadLedgerAsync(vm, cancellationToken);
        var now = DateTimeOffset.UtcNow;
        return [ExtraConfig.Option(ExtraConfig.LedgerKey, IdempotencyLedger.Write(IdempotencyLedger.With(entries, new IdempotencyEntry(kind, stamp, createdId, now, null)), now))];
    }

    /// <summary>The guest that carries <paramref name="keyHash"/>'s stamp: one RetrievePropertiesEx of every VM's extraConfig (only for a keyed request).</summary>
    private async Task<IdempotencyRecord?> FindStampedGuestAsync(string keyHash, CancellationToken cancellationToken)
    {
        var vms = await _collector.RetrieveAllAsync(new Dictionary<string, string[]> { ["VirtualMachine"] = StampPaths }, cancellationToken);
        return vms
            .Where(GuestMapping.IsGuest)
            .Select(vm => (Vm: vm, Stamp: ExtraConfig.Stamp(vm.Val("config.extraConfig"))))
            .Where(v => v.Stamp?.KeyHash == keyHash)
            .Select(v => new IdempotencyRecord(v.Stamp!.BodyHash, v.Vm.Text("config.uuid")))
            .FirstOrDefault();
    }

    private async Task<(IReadOnlyList<IdempotencyEntry> Entries, string? Version)> ReadLedgerAsync(MoRef vm, CancellationToken cancellationToken)
    {
        var content = await _collector.RetrieveOneAsync(vm, LedgerPaths, cancellationToken);
        return (IdempotencyLedger.Parse(ExtraConfig.Value(content.Val("config.extraConfig"), ExtraConfig.LedgerKey)), content.Text("config.changeVersion"));
    }

    /// <summary>
    /// Read, change, write the guest's ledger in one ReconfigVM_Task guarded by
    /// <c>config.changeVersion</c> (a change in between is ConcurrentAccess on vSphere: read again
    /// and retried). vcsim 0.24 does not check changeVersion.
    /// </summary>
    private async Task UpdateLedgerAsync(MoRef vm, Func<IReadOnlyList<IdempotencyEntry>, IReadOnlyList<IdempotencyEntry>> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (entries, version) = await ReadLedgerAsync(vm, cancellationToken);
            var changed = change(entries);
            if (changed.SequenceEqual(entries))
            {
                return; // Nothing to write (a marker whose work finished).
            }

            var spec = ConfigSpecs.Reconfigure(changeVersion: version);
            spec.Add(ExtraConfig.Option(ExtraConfig.LedgerKey, IdempotencyLedger.Write(changed, DateTimeOffset.UtcNow)));
            try
            {
                await RunTaskAsync("ReconfigVM_Task", vm, cancellationToken, spec);
                return;
            }
            catch (ConflictException error) when (attempt < LedgerWriteAttempts && VimFaults.FaultOf(error)?.FaultType == "ConcurrentAccess")
            {
                // Another change went in between: read it and try again.
            }
        }
    }

    /// <summary>
    /// Puts back the ledger a revert took: RevertToSnapshot restores the configuration the snapshot
    /// saw, from before its own key (and any later one) was recorded.
    /// </summary>
    private Task RestoreLedgerAsync(MoRef vm, IReadOnlyList<IdempotencyEntry> before, CancellationToken cancellationToken)
        => UpdateLedgerAsync(vm, _ => before, cancellationToken);

    private static string GuestOf(CreatedScope scope)
        => scope.GuestId ?? throw new InvalidArgumentException($"Keys of {scope.Kind} are kept on a guest: the scope names none.");
}
