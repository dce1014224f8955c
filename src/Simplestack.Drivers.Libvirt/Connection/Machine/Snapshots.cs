using System.Globalization;
using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Core.Work;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

public sealed partial class LibvirtMachineConnection : ISnapshotManagement
{
    public Task<IReadOnlyList<Snapshot>> ListSnapshotsAsync(string guestId, CancellationToken cancellationToken) => _calls.RunAsync<IReadOnlyList<Snapshot>>(() =>
    {
        using var domain = FindDomain(guestId);
        var snapshots = domain.ListAllSnapshots();
        try
        {
            return [.. snapshots.Select(DescribeSnapshot).OrderBy(s => s.Created).ThenBy(s => s.Name, StringComparer.Ordinal)];
        }
        finally
        {
            foreach (var snapshot in snapshots)
            {
                snapshot.Dispose();
            }
        }
    }, cancellationToken);

    public Task<Snapshot> GetSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        using var snapshot = FindSnapshot(domain, snapshotId);
        return DescribeSnapshot(snapshot);
    }, cancellationToken);

    public Task<Snapshot> CreateSnapshotAsync(string guestId, SnapshotCreateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var name = request.Name ?? "snapshot-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture);
        LibvirtNames.ValidateName("snapshot", name);
        using (var existing = domain.TryLookupSnapshotByName(name))
        {
            if (existing is not null)
            {
                throw new ConflictException($"Guest '{domain.Name}' already has a snapshot named '{name}'.");
            }
        }

        // libvirt's snapshot call reports no progress of its own: the start and the end are what there is.
        WorkContext.Report(5, "snapshot");
        using var snapshot = domain.CreateSnapshot(SnapshotXml.Build(name, description: null));
        var taken = DescribeSnapshot(snapshot);
        RecordMadeOn(domain, CreatedKind.Snapshot, taken.Id);
        return taken;
    }, cancellationToken);

    public Task RevertSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        using var snapshot = FindSnapshot(domain, snapshotId);
        var ledger = LedgerOf(domain);
        snapshot.Revert();
        RestoreLedger(domain.Uuid, ledger);
        GuestTouched(domain.Uuid);
    }, cancellationToken);

    public Task DeleteSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        using var snapshot = FindSnapshot(domain, snapshotId);
        snapshot.Delete();
    }, cancellationToken);

    private static LibvirtDomainSnapshot FindSnapshot(LibvirtDomain domain, string snapshotId)
        => domain.TryLookupSnapshotByName(snapshotId) ?? throw EntityNotFoundException.Of("snapshot", snapshotId);

    private static Snapshot DescribeSnapshot(LibvirtDomainSnapshot snapshot)
    {
        var description = SnapshotDescription.Parse(snapshot.GetXmlDesc());
        return new Snapshot(description.Name, description.Name, description.State, description.DiskSnapshotPaths.FirstOrDefault(), description.Created);
    }
}
