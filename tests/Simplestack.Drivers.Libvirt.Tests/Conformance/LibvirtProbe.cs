using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt.Tests.Conformance;

/// <summary>
/// A probe that asks libvirt through the binding, on the connection the driver uses.
/// <paramref name="volumeFilter"/> narrows <see cref="VolumePaths"/> to the volumes these tests can
/// make, where other test runs make volumes on the same libvirtd at the same time.
/// </summary>
public sealed class LibvirtProbe(LibvirtConnection connection, Func<string, bool>? volumeFilter = null) : IHypervisorProbe
{
    public bool GuestExists(string name)
    {
        using var domain = connection.TryLookupDomainByName(name);
        return domain is not null;
    }

    public string GuestNativeState(string name)
    {
        using var domain = Domain(name);
        return domain.GetState().State switch
        {
            DomainState.Running => "running",
            DomainState.Paused => "paused",
            DomainState.Shutoff => "shutoff",
            var other => other.ToString().ToLowerInvariant(),
        };
    }

    public string GuestDefinition(string name)
    {
        using var domain = Domain(name);
        return domain.GetXmlDesc(DomainXmlFlags.Inactive);
    }

    public string GuestLiveDescription(string name)
    {
        using var domain = Domain(name);
        return domain.GetXmlDesc();
    }

    public IReadOnlyList<string> SnapshotNames(string guestName)
    {
        using var domain = Domain(guestName);
        var snapshots = domain.ListAllSnapshots();
        var names = snapshots.Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
        foreach (var snapshot in snapshots)
        {
            snapshot.Dispose();
        }

        return names;
    }

    public bool NetworkExists(string name)
    {
        using var network = connection.TryLookupNetworkByName(name);
        return network is not null;
    }

    public (bool Active, bool Persistent, bool Autostart, string Xml) NetworkState(string name)
    {
        using var network = connection.TryLookupNetworkByName(name) ?? throw new InvalidOperationException($"no network {name}");
        return (network.IsActive, network.IsPersistent, network.Autostart, network.GetXmlDesc());
    }

    public IReadOnlyList<string> VolumePaths()
    {
        var paths = new List<string>();
        foreach (var pool in connection.ListAllStoragePools())
        {
            using (pool)
            {
                if (!pool.IsActive)
                {
                    continue;
                }

                foreach (var volume in pool.ListAllVolumes())
                {
                    using (volume)
                    {
                        if (volumeFilter?.Invoke(volume.Path) != false)
                        {
                            paths.Add(volume.Path);
                        }
                    }
                }
            }
        }

        return [.. paths.Order(StringComparer.Ordinal)];
    }

    public string CreateVolume(string name, long bytes)
    {
        var pool = connection.TryLookupStoragePoolByName("default-pool") ?? connection.TryLookupStoragePoolByName("default")
                   ?? throw new InvalidOperationException("no default pool");
        using (pool)
        using (var volume = pool.CreateVolume(Simplestack.Drivers.Libvirt.Xml.VolumeXml.Build(new Simplestack.Drivers.Libvirt.Xml.VolumeDefinition(name, bytes, "raw"))))
        {
            return volume.Path;
        }
    }

    public void DeleteVolume(string path)
    {
        using var volume = connection.TryLookupStorageVolumeByPath(path);
        volume?.Delete();
    }

    private LibvirtDomain Domain(string name) => connection.TryLookupDomainByName(name) ?? throw new InvalidOperationException($"no domain {name}");
}
