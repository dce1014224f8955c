using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Storage pools as the original's "storages": used = what the pool's volumes occupy on disk,
// allocated = the sum of their capacities (thin provisioning shows as allocated > used),
// size = the pool's capacity. GiB for the original's clients, exact bytes beside them.
public abstract partial class LibvirtHypervisorConnection
{
    public Task<IReadOnlyList<StorageInfo>> ListStoragesAsync(CancellationToken cancellationToken) => _calls.RunAsync<IReadOnlyList<StorageInfo>>(() =>
    {
        var pools = Native.ListAllStoragePools();
        try
        {
            return [.. pools.Select(DescribeStorage).OrderBy(s => s.Name, StringComparer.Ordinal)];
        }
        finally
        {
            foreach (var pool in pools)
            {
                pool.Dispose();
            }
        }
    }, cancellationToken);

    public Task<StorageInfo> GetStorageAsync(string storageId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var pool = FindPool(storageId);
        return DescribeStorage(pool);
    }, cancellationToken);

    private static StorageInfo DescribeStorage(LibvirtStoragePool pool)
    {
        var description = StoragePoolDescription.Parse(pool.GetXmlDesc());
        var info = pool.GetInfo();
        long allocated = 0;
        if (pool.IsActive)
        {
            foreach (var volume in pool.ListAllVolumes())
            {
                using (volume)
                {
                    allocated += (long)volume.GetInfo().Capacity;
                }
            }
        }

        return new StorageInfo(
            Id: pool.Uuid,
            Name: pool.Name,
            Type: description.Type,
            UsedSpace: Math.Round(info.Allocation / BytesPerGiB, 2),
            AllocatedSpace: Math.Round(allocated / BytesPerGiB, 2),
            Size: Math.Round(info.Capacity / BytesPerGiB, 2),
            UsedSpaceBytes: (long)info.Allocation,
            AllocatedSpaceBytes: allocated,
            SizeBytes: (long)info.Capacity,
            State: info.State.ToString().ToLowerInvariant());
    }
}
