using System.Globalization;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere;

// Snapshots (API.md §8): id is the snapshot's name, unique per VM (its managed object id is
// accepted too). A running VM's snapshot keeps its memory, as Xen's checkpoint does; a revert
// brings the guest back to the power state it was taken in (vcsim, and a disk-only snapshot on
// real vSphere, leave it off: it is powered on again then).
public sealed partial class VSphereConnection : ISnapshotManagement
{
    public async Task<IReadOnlyList<Snapshot>> ListSnapshotsAsync(string guestId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        return [.. (await ReadSnapshotsAsync(vm, cancellationToken)).Select(s => s.Snapshot)];
    }

    public async Task<Snapshot> GetSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        return (await FindSnapshotAsync(vm, snapshotId, cancellationToken)).Snapshot;
    }

    public async Task<Snapshot> CreateSnapshotAsync(string guestId, SnapshotCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Name ?? $"snapshot-{DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture)}";
        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsControl) || name.Length > 80)
        {
            throw new InvalidArgumentException("A snapshot name must be 1 to 80 characters without control characters.");
        }

        var vm = await FindVmAsync(guestId, cancellationToken);
        if ((await ReadSnapshotsAsync(vm, cancellationToken)).Any(s => s.Snapshot.Name == name))
        {
            throw new ConflictException($"The guest has a snapshot named '{name}' already.");
        }

        var running = (await ReadPowerAsync(vm, cancellationToken)).State == "poweredOn";
        await RunTaskAsync("CreateSnapshot_Task", vm, TaskShare.Whole("snapshot"), cancellationToken,
            E("name", name), E("description", "Simplestack"), E("memory", Bool(running)), E("quiesce", "false"));
        var snapshot = (await FindSnapshotAsync(vm, name, cancellationToken)).Snapshot;
        await RecordCreatedAsync(vm, CreatedKind.Snapshot, snapshot.Id, cancellationToken); // A snapshot task carries no extraConfig.
        return snapshot;
    }

    public async Task RevertSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        var (snapshot, reference) = await FindSnapshotAsync(vm, snapshotId, cancellationToken);
        var (ledger, _) = await ReadLedgerAsync(vm, cancellationToken);
        await RunTaskAsync("RevertToSnapshot_Task", reference, cancellationToken);
        await RestoreLedgerAsync(vm, ledger, cancellationToken);
        if (snapshot.State == "poweredOn" && (await ReadPowerAsync(vm, cancellationToken)).State != "poweredOn")
        {
            await RunTaskAsync("PowerOnVM_Task", vm, cancellationToken);
        }
    }

    public async Task DeleteSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        var (_, reference) = await FindSnapshotAsync(vm, snapshotId, cancellationToken);
        await RunTaskAsync("RemoveSnapshot_Task", reference, cancellationToken, E("removeChildren", "false"));
    }

    private async Task<(Snapshot Snapshot, MoRef Reference)> FindSnapshotAsync(MoRef vm, string snapshotId, CancellationToken cancellationToken)
    {
        var snapshots = await ReadSnapshotsAsync(vm, cancellationToken);
        return snapshots.FirstOrDefault(s => s.Snapshot.Name == snapshotId) is { Snapshot: not null } byName
            ? byName
            : snapshots.FirstOrDefault(s => s.Reference.Value == snapshotId) is { Snapshot: not null } byReference
                ? byReference
                : throw EntityNotFoundException.Of("Snapshot", snapshotId);
    }

    /// <summary>Every snapshot of the VM, its tree flattened, oldest first.</summary>
    private async Task<List<(Snapshot Snapshot, MoRef Reference)>> ReadSnapshotsAsync(MoRef vm, CancellationToken cancellationToken)
    {
        var tree = (await _collector.RetrieveOneAsync(vm, ["snapshot.rootSnapshotList"], cancellationToken)).Val("snapshot.rootSnapshotList");
        return tree is null ? [] : [.. Flatten(tree.Elements()).OrderBy(s => s.Snapshot.Created)];
    }

    private static IEnumerable<(Snapshot Snapshot, MoRef Reference)> Flatten(IEnumerable<XElement> trees)
    {
        foreach (var tree in trees)
        {
            var reference = MoRef.From(tree.Child("snapshot")!);
            var created = DateTimeOffset.TryParse(tree.ChildValue("createTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                ? time.ToUniversalTime()
                : DateTimeOffset.UnixEpoch;
            yield return (new Snapshot(tree.ChildValue("name") ?? "", tree.ChildValue("name") ?? "", tree.ChildValue("state") ?? "", reference.Value, created), reference);
            foreach (var child in Flatten(tree.Elements(Ns + "childSnapshotList")))
            {
                yield return child;
            }
        }
    }
}
