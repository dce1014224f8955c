using System.Text.Json.Nodes;
using Simplestack.Client.Models;

namespace Simplestack.Client.Operations;

/// <summary><c>PUT .../guests/{id}/power</c> and <c>.../reboot</c>.</summary>
public sealed class PowerOperations
{
    private readonly RestChannel _channel;

    internal PowerOperations(RestChannel channel) => _channel = channel;

    /// <summary>
    /// Asks for a power state. <c>Stop</c> asks the guest to shut down and answers at once unless
    /// <paramref name="wait"/> is given, in which case the gateway waits for the state (504 past it).
    /// </summary>
    public Task<ActionResult> SetAsync(string guestId, PowerAction action, TimeSpan? wait = null, CancellationToken cancellationToken = default)
        => _channel.SendJsonAsync<ActionResult>(
            HttpMethod.Put,
            _channel.PathFor("guests", guestId, "power") + GuestsOperations.WaitQuery(wait),
            new { state = Word(action) },
            cancellationToken);

    public Task<ActionResult> StartAsync(string guestId, TimeSpan? wait = null, CancellationToken cancellationToken = default)
        => SetAsync(guestId, PowerAction.Start, wait, cancellationToken);

    public Task<ActionResult> StopAsync(string guestId, TimeSpan? wait = null, CancellationToken cancellationToken = default)
        => SetAsync(guestId, PowerAction.Stop, wait, cancellationToken);

    public Task<ActionResult> ForceStopAsync(string guestId, TimeSpan? wait = null, CancellationToken cancellationToken = default)
        => SetAsync(guestId, PowerAction.ForceStop, wait, cancellationToken);

    public Task<ActionResult> PauseAsync(string guestId, TimeSpan? wait = null, CancellationToken cancellationToken = default)
        => SetAsync(guestId, PowerAction.Pause, wait, cancellationToken);

    public Task<ActionResult> ResumeAsync(string guestId, TimeSpan? wait = null, CancellationToken cancellationToken = default)
        => SetAsync(guestId, PowerAction.Resume, wait, cancellationToken);

    /// <summary>Reboots a guest; <paramref name="force"/> resets it instead of asking it.</summary>
    public Task<ActionResult> RebootAsync(string guestId, bool force = false, CancellationToken cancellationToken = default)
        => _channel.SendJsonAsync<ActionResult>(HttpMethod.Put, _channel.PathFor("guests", guestId, "reboot"), new { force }, cancellationToken);

    /// <summary>The wire word of a power action (<c>force_stop</c>).</summary>
    public static string Word(PowerAction action) => action switch
    {
        PowerAction.Start => "start",
        PowerAction.Stop => "stop",
        PowerAction.ForceStop => "force_stop",
        PowerAction.Pause => "pause",
        PowerAction.Resume => "resume",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown power action."),
    };
}

/// <summary><c>.../guests/{id}/disks</c>.</summary>
public sealed class DisksOperations
{
    private readonly RestChannel _channel;

    internal DisksOperations(RestChannel channel) => _channel = channel;

    public Task<IReadOnlyList<Disk>> ListAsync(string guestId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<IReadOnlyList<Disk>>(_channel.PathFor("guests", guestId, "disks"), cancellationToken);

    /// <summary>One disk, by device target (<c>vda</c>).</summary>
    public Task<Disk> GetAsync(string guestId, string diskId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<Disk>(_channel.PathFor("guests", guestId, "disks", diskId), cancellationToken);

    /// <summary>
    /// Adds a disk: a new volume of <see cref="DiskCreateRequest.Size"/> GiB, or the existing volume
    /// <see cref="DiskCreateRequest.Volume"/> of the pool <see cref="DiskCreateRequest.StorageId"/>.
    /// </summary>
    public Task<Disk> CreateAsync(string guestId, DiskCreateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Volume is null && request.Size is null)
        {
            throw new ArgumentException("A new disk needs a Size (GiB), or a Volume (with its StorageId) to attach.", nameof(request));
        }

        if (request.Volume is not null && string.IsNullOrWhiteSpace(request.StorageId))
        {
            throw new ArgumentException("Attaching an existing volume needs its StorageId (the pool's UUID or name).", nameof(request));
        }

        return CreateAsync(guestId, request, null, cancellationToken);
    }

    /// <summary>Adds a disk with the caller's Idempotency-Key and/or the gateway's progress.</summary>
    public Task<Disk> CreateAsync(string guestId, DiskCreateRequest request, LongWorkOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _channel.SendWorkAsync<Disk>(
            HttpMethod.Post, _channel.PathFor("guests", guestId, "disks"), () => RestChannel.JsonContent(request), options, creates: true, canResend: true, cancellationToken);
    }

    /// <summary>
    /// Attaches the existing volume <paramref name="volume"/> (its name) of the pool <paramref name="storageId"/>
    /// (UUID or name) as a new disk. Deleting that disk detaches the volume and keeps it. Hypervisors
    /// without hot-plug (the test hypervisor) need the guest stopped: a running one answers 501.
    /// </summary>
    public Task<Disk> AttachVolumeAsync(string guestId, string storageId, string volume, string? bus = null, CancellationToken cancellationToken = default)
        => CreateAsync(guestId, DiskCreateRequest.ForVolume(storageId, volume, bus), cancellationToken);

    public Task<Disk> UpdateAsync(string guestId, string diskId, DiskUpdateRequest request, CancellationToken cancellationToken = default)
        => _channel.SendJsonAsync<Disk>(HttpMethod.Put, _channel.PathFor("guests", guestId, "disks", diskId), request, cancellationToken);

    /// <summary>Changes a disk (grows it), reporting the gateway's progress.</summary>
    public Task<Disk> UpdateAsync(string guestId, string diskId, DiskUpdateRequest request, IProgress<WorkProgress>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _channel.SendWorkAsync<Disk>(
            HttpMethod.Put, _channel.PathFor("guests", guestId, "disks", diskId), () => RestChannel.JsonContent(request),
            new LongWorkOptions { Progress = progress }, creates: false, canResend: true, cancellationToken);
    }

    /// <summary>
    /// Detaches a disk; the gateway deletes its volume when it created it for this guest, and keeps a
    /// volume attached from elsewhere (<see cref="AttachVolumeAsync"/>).
    /// </summary>
    public Task DeleteAsync(string guestId, string diskId, CancellationToken cancellationToken = default)
        => _channel.SendAsync(HttpMethod.Delete, _channel.PathFor("guests", guestId, "disks", diskId), null, cancellationToken);
}

/// <summary><c>.../guests/{id}/media_device</c>: the CD/DVD drive.</summary>
public sealed class MediaOperations
{
    private readonly RestChannel _channel;

    internal MediaOperations(RestChannel channel) => _channel = channel;

    public Task<MediaDevice> GetAsync(string guestId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<MediaDevice>(_channel.PathFor("guests", guestId, "media_device"), cancellationToken);

    /// <summary>Mounts the ISO volume of that name.</summary>
    public Task<MediaDevice> MountAsync(string guestId, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return _channel.SendJsonAsync<MediaDevice>(HttpMethod.Put, _channel.PathFor("guests", guestId, "media_device"), new JsonObject { ["name"] = name }, cancellationToken);
    }

    public Task<MediaDevice> EjectAsync(string guestId, CancellationToken cancellationToken = default)
        => _channel.SendJsonAsync<MediaDevice>(HttpMethod.Put, _channel.PathFor("guests", guestId, "media_device"), new JsonObject { ["name"] = null }, cancellationToken);
}

/// <summary><c>.../guests/{id}/network_interfaces</c> (an interface's id is its MAC address).</summary>
public sealed class NetworkInterfacesOperations
{
    private readonly RestChannel _channel;

    internal NetworkInterfacesOperations(RestChannel channel) => _channel = channel;

    public Task<IReadOnlyList<NetworkInterface>> ListAsync(string guestId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<IReadOnlyList<NetworkInterface>>(_channel.PathFor("guests", guestId, "network_interfaces"), cancellationToken);

    public Task<NetworkInterface> GetAsync(string guestId, string interfaceId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<NetworkInterface>(_channel.PathFor("guests", guestId, "network_interfaces", interfaceId), cancellationToken);

    public Task<NetworkInterface> CreateAsync(string guestId, NicCreateRequest request, CancellationToken cancellationToken = default)
        => CreateAsync(guestId, request, null, cancellationToken);

    /// <summary>Adds an interface with the caller's Idempotency-Key (see <see cref="LongWorkOptions"/>).</summary>
    public Task<NetworkInterface> CreateAsync(string guestId, NicCreateRequest request, LongWorkOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _channel.SendWorkAsync<NetworkInterface>(
            HttpMethod.Post, _channel.PathFor("guests", guestId, "network_interfaces"), () => RestChannel.JsonContent(request), options, creates: true, canResend: true, cancellationToken);
    }

    public Task<NetworkInterface> UpdateAsync(string guestId, string interfaceId, NicUpdateRequest request, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject();
        if (request.Network is not null)
        {
            body["network"] = request.Network;
        }

        if (request.Model is not null)
        {
            body["model"] = request.Model;
        }

        if (request.RemoveRateLimit)
        {
            body["ratelimit"] = false;
        }
        else if (request.RateLimitBitsPerSecond is { } bits)
        {
            body["ratelimit"] = bits;
        }

        if (request.LockingMode is not null)
        {
            body["locking_mode"] = request.LockingMode;
        }

        if (request.Ipv4Allowed is not null)
        {
            body["ipv4_allowed"] = new JsonArray([.. request.Ipv4Allowed.Select(a => (JsonNode?)a)]);
        }

        if (request.Ipv6Allowed is not null)
        {
            body["ipv6_allowed"] = new JsonArray([.. request.Ipv6Allowed.Select(a => (JsonNode?)a)]);
        }

        if (request.Active is { } active)
        {
            body["active"] = active;
        }

        return _channel.SendJsonAsync<NetworkInterface>(HttpMethod.Put, _channel.PathFor("guests", guestId, "network_interfaces", interfaceId), body, cancellationToken);
    }

    public Task DeleteAsync(string guestId, string interfaceId, CancellationToken cancellationToken = default)
        => _channel.SendAsync(HttpMethod.Delete, _channel.PathFor("guests", guestId, "network_interfaces", interfaceId), null, cancellationToken);
}

/// <summary><c>.../guests/{id}/tags</c>: plain strings.</summary>
public sealed class TagsOperations
{
    private readonly RestChannel _channel;

    internal TagsOperations(RestChannel channel) => _channel = channel;

    public Task<IReadOnlyList<string>> ListAsync(string guestId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<IReadOnlyList<string>>(_channel.PathFor("guests", guestId, "tags"), cancellationToken);

    /// <summary>Adds a tag; returns the guest's tags.</summary>
    public Task<IReadOnlyList<string>> AddAsync(string guestId, string tag, CancellationToken cancellationToken = default)
        => _channel.SendJsonAsync<IReadOnlyList<string>>(HttpMethod.Post, _channel.PathFor("guests", guestId, "tags"), new { name = tag }, cancellationToken);

    public Task RemoveAsync(string guestId, string tag, CancellationToken cancellationToken = default)
        => _channel.SendAsync(HttpMethod.Delete, _channel.PathFor("guests", guestId, "tags", tag), null, cancellationToken);
}

/// <summary><c>.../guests/{id}/snapshots</c> (a snapshot's id is its name).</summary>
public sealed class SnapshotsOperations
{
    private readonly RestChannel _channel;

    internal SnapshotsOperations(RestChannel channel) => _channel = channel;

    public Task<IReadOnlyList<Snapshot>> ListAsync(string guestId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<IReadOnlyList<Snapshot>>(_channel.PathFor("guests", guestId, "snapshots"), cancellationToken);

    public Task<Snapshot> GetAsync(string guestId, string snapshotId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<Snapshot>(_channel.PathFor("guests", guestId, "snapshots", snapshotId), cancellationToken);

    /// <summary>Takes a snapshot; the gateway names it when <paramref name="name"/> is null.</summary>
    public Task<Snapshot> CreateAsync(string guestId, string? name = null, CancellationToken cancellationToken = default)
        => CreateAsync(guestId, name, null, cancellationToken);

    /// <summary>Takes a snapshot with the caller's Idempotency-Key and/or the gateway's progress.</summary>
    public Task<Snapshot> CreateAsync(string guestId, string? name, LongWorkOptions? options, CancellationToken cancellationToken = default)
        => _channel.SendWorkAsync<Snapshot>(
            HttpMethod.Post, _channel.PathFor("guests", guestId, "snapshots"), () => RestChannel.JsonContent(new JsonObject { ["name"] = name }),
            options, creates: true, canResend: true, cancellationToken);

    public Task<ActionResult> RevertAsync(string guestId, string snapshotId, CancellationToken cancellationToken = default)
        => _channel.SendJsonAsync<ActionResult>(HttpMethod.Put, _channel.PathFor("guests", guestId, "snapshots", snapshotId, "revert"), null, cancellationToken);

    public Task DeleteAsync(string guestId, string snapshotId, CancellationToken cancellationToken = default)
        => _channel.SendAsync(HttpMethod.Delete, _channel.PathFor("guests", guestId, "snapshots", snapshotId), null, cancellationToken);
}
