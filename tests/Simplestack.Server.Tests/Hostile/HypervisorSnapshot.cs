using Simplestack.Libvirt;

namespace Simplestack.Server.Tests.Hostile;

/// <summary>What the hypervisor holds, read through the libvirt binding: guests, networks, pools and their volumes.</summary>
public sealed record HypervisorSnapshot(IReadOnlyList<string> Guests, IReadOnlyList<string> Networks, IReadOnlyList<string> Volumes)
{
    public static HypervisorSnapshot Take(LibvirtConnection libvirt)
    {
        List<string> guests = [];
        foreach (var domain in libvirt.ListAllDomains())
        {
            using (domain)
            {
                guests.Add($"{domain.Uuid} {domain.Name} active={domain.IsActive}");
            }
        }

        List<string> networks = [];
        foreach (var network in libvirt.ListAllNetworks())
        {
            using (network)
            {
                networks.Add($"{network.Uuid} {network.Name} active={network.IsActive}");
            }
        }

        List<string> volumes = [];
        foreach (var pool in libvirt.ListAllStoragePools())
        {
            using (pool)
            {
                volumes.Add($"pool {pool.Name} active={pool.IsActive}");
                if (!pool.IsActive)
                {
                    continue;
                }

                foreach (var volume in pool.ListAllVolumes())
                {
                    using (volume)
                    {
                        volumes.Add($"{pool.Name}/{volume.Name} capacity={volume.GetInfo().Capacity}");
                    }
                }
            }
        }

        guests.Sort(StringComparer.Ordinal);
        networks.Sort(StringComparer.Ordinal);
        volumes.Sort(StringComparer.Ordinal);
        return new HypervisorSnapshot(guests, networks, volumes);
    }

    /// <summary>What differs, for a failure message (empty when equal).</summary>
    public string Diff(HypervisorSnapshot after)
    {
        static IEnumerable<string> Changes(string what, IReadOnlyList<string> before, IReadOnlyList<string> after)
            => before.Except(after).Select(x => $"{what} gone: {x}").Concat(after.Except(before).Select(x => $"{what} new: {x}"));

        return string.Join(
            Environment.NewLine,
            Changes("guest", Guests, after.Guests).Concat(Changes("network", Networks, after.Networks)).Concat(Changes("volume", Volumes, after.Volumes)));
    }
}
