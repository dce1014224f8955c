using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

// Storage is the datastores (API.md §8), read in one RetrievePropertiesEx. The id is the
// datastore's managed object id (stable for the server's life; a datastore has no uuid of its
// own on every kind of store); the name is accepted.
public sealed partial class VSphereConnection
{
    private static readonly string[] DatastorePaths =
        ["name", "summary.type", "summary.capacity", "summary.freeSpace", "summary.uncommitted", "summary.accessible"];

    public async Task<IReadOnlyList<StorageInfo>> ListStoragesAsync(CancellationToken cancellationToken)
    {
        var datastores = await _collector.RetrieveAllAsync(new Dictionary<string, string[]> { ["Datastore"] = DatastorePaths }, cancellationToken);
        return [.. datastores.Select(ToStorage).OrderBy(s => s.Name, StringComparer.Ordinal)];
    }

    public async Task<StorageInfo> GetStorageAsync(string storageId, CancellationToken cancellationToken)
    {
        var storages = await ListStoragesAsync(cancellationToken);
        return storages.FirstOrDefault(s => s.Id == storageId)
               ?? storages.FirstOrDefault(s => s.Name == storageId)
               ?? throw EntityNotFoundException.Of("Storage", storageId);
    }

    /// <summary>Used is what is written (capacity − free); allocated adds what thin disks may still grow into (uncommitted).</summary>
    private static StorageInfo ToStorage(ObjectContent datastore)
    {
        var capacity = datastore.Long("summary.capacity");
        var used = Math.Max(0, capacity - datastore.Long("summary.freeSpace"));
        var allocated = used + datastore.Long("summary.uncommitted");
        return new StorageInfo(
            Id: datastore.Obj.Value,
            Name: datastore.Text("name") ?? "",
            Type: datastore.Text("summary.type") ?? "",
            UsedSpace: Math.Round(used / BytesPerGiB, 2),
            AllocatedSpace: Math.Round(allocated / BytesPerGiB, 2),
            Size: Math.Round(capacity / BytesPerGiB, 2),
            UsedSpaceBytes: used,
            AllocatedSpaceBytes: allocated,
            SizeBytes: capacity,
            State: datastore.Bool("summary.accessible") ? "accessible" : "inaccessible");
    }
}
