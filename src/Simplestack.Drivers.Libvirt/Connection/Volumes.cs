using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Storage volumes (API.md §6): a volume's id is its name in its pool.
public abstract partial class LibvirtHypervisorConnection : IVolumeManagement
{
    public Task<IReadOnlyList<Volume>> ListVolumesAsync(string storageId, CancellationToken cancellationToken) => _calls.RunAsync<IReadOnlyList<Volume>>(() =>
    {
        using var pool = FindPool(storageId);
        var users = VolumeUsers();
        var volumes = pool.ListAllVolumes();
        try
        {
            return [.. volumes
                .Where(v => !v.Name.StartsWith(MarkerPrefix, StringComparison.Ordinal)) // idempotency markers are the gateway's, not volumes
                .Select(v => DescribeVolume(pool, v, users))
                .OrderBy(v => v.Name, StringComparer.Ordinal)];
        }
        finally
        {
            foreach (var volume in volumes)
            {
                volume.Dispose();
            }
        }
    }, cancellationToken);

    public Task<Volume> GetVolumeAsync(string storageId, string volumeId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var pool = FindPool(storageId);
        using var volume = FindVolume(pool, volumeId);
        return DescribeVolume(pool, volume, VolumeUsers());
    }, cancellationToken);

    public Task<Volume> CreateVolumeAsync(string storageId, VolumeCreateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        LibvirtNames.ValidateName("volume", request.Name);
        var bytes = ToBytes(request.Size);
        using var pool = FindPool(storageId);
        using (var taken = pool.TryLookupVolumeByName(request.Name))
        {
            if (taken is not null)
            {
                throw new ConflictException($"Storage '{pool.Name}' already has a volume named '{request.Name}'.");
            }
        }

        var format = request.Format ?? PoolFormat(pool);
        if (format is not ("qcow2" or "raw"))
        {
            throw new InvalidArgumentException("format must be 'qcow2' or 'raw'.");
        }

        using var volume = pool.CreateVolume(VolumeXml.Build(new VolumeDefinition(request.Name, bytes, format)));
        return DescribeVolume(pool, volume, new Dictionary<string, List<string>>());
    }, cancellationToken);

    public Task DeleteVolumeAsync(string storageId, string volumeId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var pool = FindPool(storageId);
        using var volume = FindVolume(pool, volumeId);
        if (VolumeUsers().TryGetValue(volume.Path, out var guests))
        {
            throw new ConflictException($"Volume '{volume.Name}' is a disk of {string.Join(", ", guests)}; detach it first.");
        }

        volume.Delete();
    }, cancellationToken);

    private protected static LibvirtStorageVolume FindVolume(LibvirtStoragePool pool, string volumeId)
        => pool.TryLookupVolumeByName(volumeId) ?? throw EntityNotFoundException.Of("volume", volumeId);

    private static Volume DescribeVolume(LibvirtStoragePool pool, LibvirtStorageVolume volume, IReadOnlyDictionary<string, List<string>> users)
    {
        var info = volume.GetInfo();
        var path = volume.Path;
        return new Volume(volume.Name, volume.Name, pool.Uuid, Math.Round(info.Capacity / BytesPerGiB, 2), (long)info.Capacity, (long)info.Allocation,
            VolumeDescription.Parse(volume.GetXmlDesc()).Format, path, users.TryGetValue(path, out var guests) ? guests : []);
    }

    /// <summary>Which guests use each volume path as a disk or CD-ROM.</summary>
    private protected Dictionary<string, List<string>> VolumeUsers()
    {
        var users = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, definition) in AllDefinitions())
        {
            foreach (var disk in definition.Disks)
            {
                if (disk.SourcePath is { } path)
                {
                    var list = users.TryGetValue(path, out var found) ? found : users[path] = [];
                    if (!list.Contains(name))
                    {
                        list.Add(name);
                    }
                }
            }
        }

        return users;
    }
}
