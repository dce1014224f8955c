using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Inventory;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Reading guests: the list in one bulk call (virConnectListAllDomains + virConnectGetAllDomainStats),
// single guests from their XML description.
public abstract partial class LibvirtHypervisorConnection
{
    private protected const double BytesPerGiB = 1024d * 1024 * 1024;

    /// <summary>
    /// Every guest. Answered from the connection's inventory (<see cref="LiveInventory"/>): one bulk
    /// read fills it, lifecycle events and the gateway's own writes keep it current.
    /// </summary>
    public Task<IReadOnlyList<Guest>> ListGuestsAsync(CancellationToken cancellationToken) => _inventory.ListAsync(cancellationToken);

    /// <summary>The bulk read: one virConnectListAllDomains plus one virConnectGetAllDomainStats, never N calls per guest to list them.</summary>
    private IReadOnlyList<Guest> ReadAllGuests()
    {
        var domains = Native.ListAllDomains();
        var stats = ReadAllDomainStats();
        try
        {
            var byUuid = stats.ToDictionary(record => record.Domain.Uuid, record => record.Parameters);
            var guests = new List<Guest>(domains.Count);
            foreach (var domain in domains)
            {
                try
                {
                    guests.Add(DescribeGuest(domain, byUuid.GetValueOrDefault(domain.Uuid), cachedAddressesOnly: true));
                }
                catch (LibvirtException error) when (error.Code == LibvirtErrorCode.NoDomain)
                {
                    // Deleted by someone else between the list and its description: not listed.
                }
            }

            if (!_inventory.Enabled)
            {
                _addresses.RefreshInBackground(guests.Where(g => g.State != GuestState.STOPPED).Select(g => g.Id), LookUpAddresses);
            }

            return guests;
        }
        finally
        {
            foreach (var record in stats)
            {
                record.Domain.Dispose();
            }

            foreach (var domain in domains)
            {
                domain.Dispose();
            }
        }
    }

    /// <summary>Bulk stats of every guest; none where the driver has no bulk stats (LXC), and each guest is then described on its own.</summary>
    private IReadOnlyList<DomainStatsRecord> ReadAllDomainStats()
    {
        try
        {
            return Native.GetAllDomainStats(DomainStatsTypes.State | DomainStatsTypes.Balloon | DomainStatsTypes.Vcpu | DomainStatsTypes.Block);
        }
        catch (LibvirtException error) when (error.Code == LibvirtErrorCode.NoSupport)
        {
            return [];
        }
    }

    /// <summary>
    /// After one of the gateway's own writes to a guest, before it returns: re-read the guest into
    /// the inventory (or drop it if it is gone), so the very next list shows the change.
    /// </summary>
    private protected void GuestTouched(string uuid) => _inventory.Refresh(uuid);

    /// <summary>What the inventory reads from this connection.</summary>
    private sealed class GuestSource(LibvirtHypervisorConnection connection) : IGuestSource
    {
        public IReadOnlyList<Guest> ReadAll() => connection.ReadAllGuests();

        public Guest? ReadOne(string uuid)
        {
            using var domain = connection.Native.TryLookupDomainByUuid(uuid);
            try
            {
                return domain is null ? null : connection.DescribeGuest(domain, stats: null, cachedAddressesOnly: true);
            }
            catch (LibvirtException error) when (error.Code == LibvirtErrorCode.NoDomain)
            {
                return null; // Gone between the look-up and its description.
            }
        }

        public IReadOnlyList<string> ReadAddresses(string uuid) => connection._addresses.Set(uuid, connection.LookUpAddresses(uuid));
    }

    public Task<Guest> GetGuestAsync(string guestId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        return DescribeGuest(domain, stats: null, cachedAddressesOnly: false);
    }, cancellationToken);

    /// <summary>
    /// After one of the gateway's own writes that answers the guest (create, update, clone,
    /// import): describe it and record that description in the inventory, so what the gateway
    /// answered is what the very next list shows.
    /// </summary>
    private protected Guest RecordGuest(LibvirtDomain domain)
    {
        var ticket = _inventory.Store.NewTicket();
        var guest = DescribeGuest(domain, stats: null, cachedAddressesOnly: false);
        _inventory.Recorded(guest, ticket);
        return guest;
    }

    /// <summary>
    /// A guest as the API shows it; reading changes nothing. Bulk stats are used when the
    /// hypervisor gives them (QEMU); the test driver's stats hold the state only, so the rest
    /// comes from the domain itself.
    /// </summary>
    private Guest DescribeGuest(LibvirtDomain domain, IReadOnlyDictionary<string, object>? stats, bool cachedAddressesOnly)
    {
        var uuid = domain.Uuid;
        DomainState state;
        long memoryKiB;
        int cpus;
        var description = DomainDescription.Parse(domain.GetXmlDesc());
        if (stats is not null && TryStat(stats, "state.state", out var stateValue)
            && TryStat(stats, "balloon.current", out var balloon) && TryStat(stats, "vcpu.current", out var vcpus))
        {
            state = (DomainState)stateValue;
            memoryKiB = balloon;
            cpus = (int)vcpus;
        }
        else
        {
            var info = domain.GetInfo();
            state = info.State;
            memoryKiB = MemoryKiB(info, description);
            cpus = info.VirtualCpus;
        }

        var hddBytes = stats is not null && TryBlockCapacity(stats, description, out var fromStats)
            ? fromStats
            : description.Disks.Where(d => d.Device == "disk").Sum(d => DiskCapacityBytes(domain, d));
        var status = StateMap.Map(state);

        IReadOnlyList<string> ips = status.State == GuestState.STOPPED ? []
            : cachedAddressesOnly ? _addresses.Get(uuid)
            : _addresses.Set(uuid, LookUpAddresses(domain));

        return new Guest(
            Id: uuid,
            Name: domain.Name,
            Cpus: cpus,
            Memory: memoryKiB / 1024,
            Hdd: Math.Round(hddBytes / BytesPerGiB, 2),
            Paravirtualized: description.Disks.Any(d => d.Bus == "virtio") || description.Interfaces.Any(i => i.Model == "virtio"),
            ToolsUpToDate: description.HasGuestAgentChannel,
            Ip: ips.FirstOrDefault(),
            Ips: ips,
            State: status.State,
            StateDetail: status.Detail,
            Host: HostName)
        {
            Tags = description.Tags, // from the metadata of the XML just read: no call of its own
        };
    }

    /// <summary>The memory a guest has, from libvirt's domain info: a machine's current balloon size.</summary>
    private protected virtual long MemoryKiB(DomainInfo info, DomainDescription description) => (long)info.MemoryKiB;

    private static bool TryStat(IReadOnlyDictionary<string, object> stats, string key, out long value)
    {
        if (stats.TryGetValue(key, out var raw))
        {
            value = Convert.ToInt64(raw, System.Globalization.CultureInfo.InvariantCulture);
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Sum of the capacities of the guest's disks (not CD-ROMs) from block stats, when they have them all.</summary>
    private static bool TryBlockCapacity(IReadOnlyDictionary<string, object> stats, DomainDescription description, out long bytes)
    {
        bytes = 0;
        if (!TryStat(stats, "block.count", out var count))
        {
            return false;
        }

        var disks = description.Disks.Where(d => d.Device == "disk").Select(d => d.Target).ToHashSet();
        var found = 0;
        for (var i = 0; i < count; i++)
        {
            if (stats.TryGetValue($"block.{i}.name", out var name) && disks.Contains((string)name)
                && TryStat(stats, $"block.{i}.capacity", out var capacity))
            {
                bytes += capacity;
                found++;
            }
        }

        return found == disks.Count;
    }

    /// <summary>A disk's size: its storage volume's capacity, else what the hypervisor reports for the disk, else 0.</summary>
    private protected long DiskCapacityBytes(LibvirtDomain domain, ParsedDisk disk)
    {
        if (disk.SourcePath is { } path && Native.TryLookupStorageVolumeByPath(path) is { } volume)
        {
            using (volume)
            {
                return (long)volume.GetInfo().Capacity;
            }
        }

        if (disk.SourcePool is { } poolName && disk.SourceVolume is { } volumeName
            && Native.TryLookupStoragePoolByName(poolName) is { } pool)
        {
            using (pool)
            using (var poolVolume = pool.TryLookupVolumeByName(volumeName))
            {
                return poolVolume is null ? 0 : (long)poolVolume.GetInfo().Capacity;
            }
        }

        // Asked whether the guest runs or not: QEMU and the test driver read a stopped guest's
        // file too, so its size does not change with its state.
        try
        {
            return (long)domain.GetBlockInfo(disk.Target).Capacity;
        }
        catch (LibvirtException)
        {
            return 0; // This driver or disk has no block info: size unknown.
        }
    }

    /// <summary>
    /// IP addresses of a running guest: the guest agent when present, else DHCP leases, else the
    /// host's neighbour table (API.md §6). Failures of one source fall through to the next.
    /// </summary>
    private IReadOnlyList<string> LookUpAddresses(LibvirtDomain domain)
    {
        foreach (var source in new[] { DomainInterfaceAddressSource.Agent, DomainInterfaceAddressSource.Lease, DomainInterfaceAddressSource.Arp })
        {
            try
            {
                var addresses = domain.GetInterfaceAddresses(source)
                    .SelectMany(i => i.Addresses)
                    .Where(a => !a.Address.StartsWith("127.", StringComparison.Ordinal) && a.Address != "::1")
                    .OrderBy(a => a.IsIPv6)
                    .Select(a => a.Address)
                    .Distinct()
                    .ToList();
                if (addresses.Count > 0)
                {
                    return addresses;
                }
            }
            catch (LibvirtException)
            {
                // This source is not available for this guest (no agent, no lease): try the next.
            }
        }

        return [];
    }

    private IReadOnlyList<string> LookUpAddresses(string uuid)
    {
        using var domain = Native.TryLookupDomainByUuid(uuid);
        return domain is null || !domain.IsActive ? [] : LookUpAddresses(domain);
    }
}
