using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Lookups by the identifiers of API.md ("Identifiers"): guests by UUID or name, storage pools by
// UUID or name, networks by name or UUID. Each throws the domain's 404 when nothing matches.
public abstract partial class LibvirtHypervisorConnection
{
    private protected LibvirtDomain FindDomain(string guestId)
        => (Guid.TryParse(guestId, out _) ? Native.TryLookupDomainByUuid(guestId) : null)
           ?? Native.TryLookupDomainByName(guestId)
           ?? throw EntityNotFoundException.Of("guest", guestId);

    private protected LibvirtStoragePool FindPool(string storageId)
        => (Guid.TryParse(storageId, out _) ? Native.TryLookupStoragePoolByUuid(storageId) : null)
           ?? Native.TryLookupStoragePoolByName(storageId)
           ?? throw EntityNotFoundException.Of("storage", storageId);

    private LibvirtNetwork FindNetwork(string networkId)
        => Native.TryLookupNetworkByName(networkId)
           ?? (Guid.TryParse(networkId, out _) ? Native.TryLookupNetworkByUuid(networkId) : null)
           ?? throw EntityNotFoundException.Of("network", networkId);

    /// <summary>
    /// The pool new volumes go to when a request names none: the configured one if it exists,
    /// else the test driver's <c>default-pool</c>, else the first active pool.
    /// </summary>
    private protected LibvirtStoragePool DefaultPool()
    {
        var pool = Native.TryLookupStoragePoolByName(_options.DefaultStoragePool)
                   ?? Native.TryLookupStoragePoolByName("default-pool");
        if (pool is not null)
        {
            return pool;
        }

        var pools = Native.ListAllStoragePools();
        LibvirtStoragePool? first = null;
        foreach (var candidate in pools)
        {
            if (first is null && candidate.IsActive)
            {
                first = candidate;
            }
            else
            {
                candidate.Dispose();
            }
        }

        return first ?? throw new InvalidArgumentException("The hypervisor has no active storage pool for new disks; name one with storage_id.");
    }

    /// <summary>A storage volume by name in the given pools (or every pool), for images and ISOs.</summary>
    private protected LibvirtStorageVolume? FindVolumeByName(string name, IEnumerable<string>? poolNames)
    {
        var pools = poolNames?.Select(Native.TryLookupStoragePoolByName).OfType<LibvirtStoragePool>().ToList()
                    ?? [.. Native.ListAllStoragePools()];
        try
        {
            foreach (var pool in pools)
            {
                if (pool.IsActive && pool.TryLookupVolumeByName(name) is { } volume)
                {
                    return volume;
                }
            }

            return null;
        }
        finally
        {
            foreach (var pool in pools)
            {
                pool.Dispose();
            }
        }
    }

    /// <summary>
    /// Every guest's name and persistent definition. A guest deleted by someone else between the
    /// list and its read is left out: it has no disks or MACs any more (the test hypervisor's
    /// guests are shared by every request of the process).
    /// </summary>
    private protected List<(string Name, DomainDescription Definition)> AllDefinitions()
    {
        var definitions = new List<(string, DomainDescription)>();
        foreach (var domain in Native.ListAllDomains())
        {
            using (domain)
            {
                try
                {
                    definitions.Add((domain.Name, DomainDescription.Parse(domain.GetXmlDesc(DomainXmlFlags.Inactive))));
                }
                catch (LibvirtException error) when (error.Code == LibvirtErrorCode.NoDomain)
                {
                    // Gone since the list.
                }
            }
        }

        return definitions;
    }
}
