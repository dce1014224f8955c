using Simplestack.Core;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// Storage is the SRs that have PBDs (plugged into at least one host's configuration), as the
// original listed them; sizes in GiB beside exact bytes, as every driver reports them.
public sealed partial class XenApiConnection
{
    public async Task<IReadOnlyList<StorageInfo>> ListStoragesAsync(CancellationToken cancellationToken)
    {
        var srsTask = Call.AllSrs(cancellationToken);
        var pbds = await Call.AllPbds(cancellationToken);
        var srs = await srsTask;
        return [.. srs.Values
            .Where(sr => sr.Pbds.Count > 0)
            .Select(sr => ToStorage(sr, sr.Pbds.Any(p => pbds.GetValueOrDefault(p)?.CurrentlyAttached == true)))
            .OrderBy(s => s.Name, StringComparer.Ordinal)];
    }

    /// <summary>An SR by uuid or name.</summary>
    public async Task<StorageInfo> GetStorageAsync(string storageId, CancellationToken cancellationToken)
    {
        var storages = await ListStoragesAsync(cancellationToken);
        return storages.FirstOrDefault(s => string.Equals(s.Id, storageId, StringComparison.OrdinalIgnoreCase))
               ?? storages.FirstOrDefault(s => s.Name == storageId)
               ?? throw EntityNotFoundException.Of("Storage", storageId);
    }

    private static StorageInfo ToStorage(SrRecord sr, bool attached)
        => new(
            Id: sr.Uuid,
            Name: sr.NameLabel,
            Type: sr.Type,
            UsedSpace: Math.Round(sr.PhysicalUtilisation / BytesPerGiB, 2),
            AllocatedSpace: Math.Round(sr.VirtualAllocation / BytesPerGiB, 2),
            Size: Math.Round(sr.PhysicalSize / BytesPerGiB, 2),
            UsedSpaceBytes: sr.PhysicalUtilisation,
            AllocatedSpaceBytes: sr.VirtualAllocation,
            SizeBytes: sr.PhysicalSize,
            State: attached ? "attached" : "detached");
}
