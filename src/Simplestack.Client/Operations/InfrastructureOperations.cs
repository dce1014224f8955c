using Simplestack.Client.Models;

namespace Simplestack.Client.Operations;

/// <summary><c>GET /{hv}/{host}</c>: the pool.</summary>
public sealed class PoolOperations
{
    private readonly RestChannel _channel;

    internal PoolOperations(RestChannel channel) => _channel = channel;

    public Task<PoolInfo> GetAsync(CancellationToken cancellationToken = default)
        => _channel.GetAsync<PoolInfo>(_channel.Target.BasePath, cancellationToken);
}

/// <summary><c>.../hosts</c>.</summary>
public sealed class HostsOperations
{
    private readonly RestChannel _channel;

    internal HostsOperations(RestChannel channel) => _channel = channel;

    public Task<IReadOnlyList<HostInfo>> ListAsync(CancellationToken cancellationToken = default)
        => _channel.GetAsync<IReadOnlyList<HostInfo>>(_channel.PathFor("hosts"), cancellationToken);

    public Task<HostInfo> GetAsync(string hostId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<HostInfo>(_channel.PathFor("hosts", hostId), cancellationToken);
}

/// <summary><c>.../storages</c>: storage pools.</summary>
public sealed class StoragesOperations
{
    private readonly RestChannel _channel;
    private readonly GuestsOperations _guests;

    internal StoragesOperations(RestChannel channel, GuestsOperations guests)
    {
        _channel = channel;
        _guests = guests;
    }

    public Task<IReadOnlyList<StorageInfo>> ListAsync(CancellationToken cancellationToken = default)
        => _channel.GetAsync<IReadOnlyList<StorageInfo>>(_channel.PathFor("storages"), cancellationToken);

    /// <summary>One pool, by UUID or name.</summary>
    public Task<StorageInfo> GetAsync(string storageId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<StorageInfo>(_channel.PathFor("storages", storageId), cancellationToken);

    /// <summary><c>POST .../storages/{id}/guests</c>: imports an export archive with its disks in this pool.</summary>
    public Task<Guest> ImportGuestAsync(string storageId, Stream source, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
        => _guests.ImportAsync(source, storageId, progress, cancellationToken);
}

/// <summary><c>.../storages/{id}/volumes</c> (API.md §6).</summary>
public sealed class VolumesOperations
{
    private readonly RestChannel _channel;

    internal VolumesOperations(RestChannel channel) => _channel = channel;

    public Task<IReadOnlyList<VolumeInfo>> ListAsync(string storageId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<IReadOnlyList<VolumeInfo>>(_channel.PathFor("storages", storageId, "volumes"), cancellationToken);

    public Task<VolumeInfo> GetAsync(string storageId, string volumeId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<VolumeInfo>(_channel.PathFor("storages", storageId, "volumes", volumeId), cancellationToken);

    public Task<VolumeInfo> CreateAsync(string storageId, VolumeCreateRequest request, CancellationToken cancellationToken = default)
        => _channel.SendJsonAsync<VolumeInfo>(HttpMethod.Post, _channel.PathFor("storages", storageId, "volumes"), request, cancellationToken);

    public Task DeleteAsync(string storageId, string volumeId, CancellationToken cancellationToken = default)
        => _channel.SendAsync(HttpMethod.Delete, _channel.PathFor("storages", storageId, "volumes", volumeId), null, cancellationToken);
}

/// <summary><c>.../networks</c> (a network's id is its name).</summary>
public sealed class NetworksOperations
{
    private readonly RestChannel _channel;

    internal NetworksOperations(RestChannel channel) => _channel = channel;

    public Task<IReadOnlyList<Network>> ListAsync(CancellationToken cancellationToken = default)
        => _channel.GetAsync<IReadOnlyList<Network>>(_channel.PathFor("networks"), cancellationToken);

    public Task<Network> GetAsync(string networkId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<Network>(_channel.PathFor("networks", networkId), cancellationToken);

    public Task<Network> CreateAsync(NetworkCreateRequest request, CancellationToken cancellationToken = default)
        => _channel.SendJsonAsync<Network>(HttpMethod.Post, _channel.PathFor("networks"), request, cancellationToken);

    public Task DeleteAsync(string networkId, CancellationToken cancellationToken = default)
        => _channel.SendAsync(HttpMethod.Delete, _channel.PathFor("networks", networkId), null, cancellationToken);
}

/// <summary><c>GET .../images</c> (API.md §6): what a guest can be created from.</summary>
public sealed class ImagesOperations
{
    private readonly RestChannel _channel;

    internal ImagesOperations(RestChannel channel) => _channel = channel;

    public Task<IReadOnlyList<Image>> ListAsync(CancellationToken cancellationToken = default)
        => _channel.GetAsync<IReadOnlyList<Image>>(_channel.PathFor("images"), cancellationToken);
}

/// <summary><c>GET .../sizes</c> (API.md §6): instance types.</summary>
public sealed class SizesOperations
{
    private readonly RestChannel _channel;

    internal SizesOperations(RestChannel channel) => _channel = channel;

    public Task<IReadOnlyList<InstanceSize>> ListAsync(CancellationToken cancellationToken = default)
        => _channel.GetAsync<IReadOnlyList<InstanceSize>>(_channel.PathFor("sizes"), cancellationToken);
}
