using System.Diagnostics.CodeAnalysis;

namespace Simplestack.Core;

/// <summary>
/// A hypervisor driver, registered explicitly at start-up. It opens connections for targets; a
/// connection serves operations. Optional operations are the capability interfaces below, which
/// a connection implements or not, so the support matrix is known without calling anything.
/// </summary>
public interface IHypervisorDriver
{
    /// <summary>The URL word (<c>test</c>, <c>kvm</c>, <c>lxc</c>, ...).</summary>
    string Name { get; }

    /// <summary>The type of the connections it opens; its capabilities are the ones that type implements.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.Interfaces)]
    Type ConnectionType { get; }

    /// <summary>What its connections can do beyond the pool, hosts and guest reads every connection serves.</summary>
    IReadOnlyList<Capability> Capabilities => Capability.Of(ConnectionType);

    /// <summary>What this driver means by the API's common words (guest id, states, ...), for the support matrix.</summary>
    IReadOnlyList<DriverNote> Notes => [];

    /// <summary>Why this driver cannot serve at all (not built, not possible here); null when it can.</summary>
    string? UnavailableReason => null;

    /// <summary>Whether a request to this target must carry a hypervisor token.</summary>
    bool RequiresCredentials(HypervisorTarget target);

    /// <summary>
    /// Whether connections to this target may be shared across callers and kept. The test
    /// hypervisor's state lives in its connection, so it answers true and never closes it.
    /// </summary>
    bool IsSharedTarget(HypervisorTarget target) => false;

    /// <summary>Opens a connection. Throws <see cref="HypervisorUnavailableException"/> when the target cannot be reached.</summary>
    Task<IHypervisorConnection> ConnectAsync(HypervisorTarget target, HypervisorCredentials? credentials, CancellationToken cancellationToken);
}

/// <summary>One line of a driver's notes: an API word and what it means on this hypervisor (API.md §8).</summary>
public sealed record DriverNote(string Word, string Meaning);

/// <summary>An open connection to one hypervisor target. Thread-safe: many requests share one.</summary>
public interface IHypervisorConnection : IAsyncDisposable
{
    HypervisorTarget Target { get; }

    /// <summary>False once the hypervisor side has gone away; the pool then replaces the connection.</summary>
    bool IsAlive { get; }

    Task<PoolInfo> GetPoolInfoAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<HostInfo>> ListHostsAsync(CancellationToken cancellationToken);

    Task<HostInfo> GetHostAsync(string hostId, CancellationToken cancellationToken);

    /// <summary>Every guest, in one bulk call to the hypervisor.</summary>
    Task<IReadOnlyList<Guest>> ListGuestsAsync(CancellationToken cancellationToken);

    /// <summary>A guest by id (UUID) or name.</summary>
    Task<Guest> GetGuestAsync(string guestId, CancellationToken cancellationToken);
}

/// <summary>
/// The guests this connection lists carry their tags (<see cref="Guest.Tags"/>), read with the
/// list from its inventory, so <c>GET .../guests?tag=</c> needs no call per guest. A connection
/// without it answers that filter 501 rather than asking once per guest.
/// </summary>
[Capability(35, "guest_list_tags", "GET .../guests?tag=")]
public interface IGuestListTags;

[Capability(40, "guests", "POST .../guests (create), PUT and DELETE .../guests/{id}")]
public interface IGuestManagement
{
    Task<Guest> CreateGuestAsync(GuestCreateRequest request, CancellationToken cancellationToken);

    Task<Guest> UpdateGuestAsync(string guestId, GuestUpdateRequest request, CancellationToken cancellationToken);

    Task DeleteGuestAsync(string guestId, GuestDeleteOptions options, CancellationToken cancellationToken);
}

[Capability(50, "power", "PUT .../guests/{id}/power, PUT .../guests/{id}/reboot")]
public interface IGuestPower
{
    /// <summary>Changes the power state; with <paramref name="wait"/>, waits until the state is reached (504 past it).</summary>
    Task SetPowerAsync(string guestId, PowerAction action, TimeSpan? wait, CancellationToken cancellationToken);

    Task RebootAsync(string guestId, bool force, CancellationToken cancellationToken);
}

[Capability(10, "storages", "GET .../storages, GET .../storages/{id}")]
public interface IStorageManagement
{
    Task<IReadOnlyList<StorageInfo>> ListStoragesAsync(CancellationToken cancellationToken);

    /// <summary>A storage pool by UUID or name.</summary>
    Task<StorageInfo> GetStorageAsync(string storageId, CancellationToken cancellationToken);
}

[Capability(80, "disks", ".../guests/{id}/disks")]
public interface IDiskManagement
{
    Task<IReadOnlyList<Disk>> ListDisksAsync(string guestId, CancellationToken cancellationToken);

    Task<Disk> GetDiskAsync(string guestId, string diskId, CancellationToken cancellationToken);

    Task<Disk> CreateDiskAsync(string guestId, DiskCreateRequest request, CancellationToken cancellationToken);

    Task<Disk> UpdateDiskAsync(string guestId, string diskId, DiskUpdateRequest request, CancellationToken cancellationToken);

    Task DeleteDiskAsync(string guestId, string diskId, CancellationToken cancellationToken);
}

[Capability(90, "media", ".../guests/{id}/media_device")]
public interface IMediaManagement
{
    Task<MediaDevice> GetMediaAsync(string guestId, CancellationToken cancellationToken);

    /// <summary>Mounts the named ISO volume, or ejects when <paramref name="name"/> is null or empty.</summary>
    Task<MediaDevice> SetMediaAsync(string guestId, string? name, CancellationToken cancellationToken);
}

[Capability(100, "network_interfaces", ".../guests/{id}/network_interfaces")]
public interface INetworkInterfaceManagement
{
    Task<IReadOnlyList<NetworkInterface>> ListNetworkInterfacesAsync(string guestId, CancellationToken cancellationToken);

    Task<NetworkInterface> GetNetworkInterfaceAsync(string guestId, string interfaceId, CancellationToken cancellationToken);

    Task<NetworkInterface> CreateNetworkInterfaceAsync(string guestId, NicCreateRequest request, CancellationToken cancellationToken);

    Task<NetworkInterface> UpdateNetworkInterfaceAsync(string guestId, string interfaceId, NicUpdateRequest request, CancellationToken cancellationToken);

    Task DeleteNetworkInterfaceAsync(string guestId, string interfaceId, CancellationToken cancellationToken);
}

[Capability(110, "tags", ".../guests/{id}/tags")]
public interface ITagManagement
{
    Task<IReadOnlyList<string>> ListTagsAsync(string guestId, CancellationToken cancellationToken);

    /// <summary>Adds a tag (adding an existing tag changes nothing) and returns the new list.</summary>
    Task<IReadOnlyList<string>> AddTagAsync(string guestId, string tag, CancellationToken cancellationToken);

    Task RemoveTagAsync(string guestId, string tag, CancellationToken cancellationToken);
}

[Capability(120, "snapshots", ".../guests/{id}/snapshots")]
public interface ISnapshotManagement
{
    Task<IReadOnlyList<Snapshot>> ListSnapshotsAsync(string guestId, CancellationToken cancellationToken);

    Task<Snapshot> GetSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken);

    Task<Snapshot> CreateSnapshotAsync(string guestId, SnapshotCreateRequest request, CancellationToken cancellationToken);

    Task RevertSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken);

    Task DeleteSnapshotAsync(string guestId, string snapshotId, CancellationToken cancellationToken);
}

[Capability(130, "networks", ".../networks")]
public interface INetworkManagement
{
    Task<IReadOnlyList<Network>> ListNetworksAsync(CancellationToken cancellationToken);

    /// <summary>A network by name or UUID.</summary>
    Task<Network> GetNetworkAsync(string networkId, CancellationToken cancellationToken);

    Task<Network> CreateNetworkAsync(NetworkCreateRequest request, CancellationToken cancellationToken);

    Task DeleteNetworkAsync(string networkId, CancellationToken cancellationToken);
}

[Capability(60, "clone", "POST .../guests/{id}/clone")]
public interface IGuestCloning
{
    Task<Guest> CloneGuestAsync(string guestId, string name, CancellationToken cancellationToken);
}

/// <summary>Export and import in the archive format of API.md §5, streamed both ways.</summary>
[Capability(70, "export_import", "GET .../guests/{id}/export, POST .../guests (a raw stream), POST .../storages/{id}/guests")]
public interface IGuestTransfer
{
    /// <summary>Prepares the export of a guest (409 when it runs); the caller then streams it out.</summary>
    Task<GuestExport> OpenExportAsync(string guestId, CancellationToken cancellationToken);

    /// <summary>
    /// Imports an archive read from <paramref name="source"/>. <paramref name="length"/> is its size
    /// in bytes when the caller declared one (a driver that streams into a hypervisor refusing
    /// chunked uploads needs it, and answers 411 without it); null when unknown.
    /// </summary>
    Task<Guest> ImportGuestAsync(Stream source, long? length, string? storageId, CancellationToken cancellationToken);
}

/// <summary>An export ready to stream: its length when known, and the writer.</summary>
public sealed record GuestExport(string FileName, long? Length, Func<Stream, CancellationToken, Task> WriteToAsync);

/// <summary>Base volumes guests can be created from (API.md §6).</summary>
[Capability(30, "images", "GET .../images")]
public interface IImageCatalog
{
    Task<IReadOnlyList<Image>> ListImagesAsync(CancellationToken cancellationToken);
}

/// <summary>The volumes of a storage pool (API.md §6).</summary>
[Capability(20, "volumes", ".../storages/{id}/volumes")]
public interface IVolumeManagement
{
    Task<IReadOnlyList<Volume>> ListVolumesAsync(string storageId, CancellationToken cancellationToken);

    Task<Volume> GetVolumeAsync(string storageId, string volumeId, CancellationToken cancellationToken);

    Task<Volume> CreateVolumeAsync(string storageId, VolumeCreateRequest request, CancellationToken cancellationToken);

    /// <summary>Deletes a volume; 409 while a guest uses it.</summary>
    Task DeleteVolumeAsync(string storageId, string volumeId, CancellationToken cancellationToken);
}

public static class ConnectionCapabilities
{
    /// <summary>
    /// The connection as capability <typeparamref name="T"/>, or a 501 naming what is missing.
    /// </summary>
    public static T Require<T>(this IHypervisorConnection connection)
        where T : class
        => connection as T ?? throw new FeatureNotImplementedException(
            $"The {connection.Target.Hypervisor} driver does not implement {Describe(typeof(T))}.");

    /// <summary>The human name of a capability interface (<c>ISnapshotManagement</c> → <c>snapshot management</c>).</summary>
    public static string Describe(Type capability)
    {
        var name = capability.Name.StartsWith('I') ? capability.Name[1..] : capability.Name;
        var words = new System.Text.StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(char.ToLowerInvariant(c));
        }

        return words.ToString();
    }
}
