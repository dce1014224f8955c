namespace Simplestack.Client.Models;

// Request bodies. Null members are left out of the JSON, so the gateway's defaults apply.

/// <summary>A disk of a new guest: <c>size</c> GiB, optionally in a named pool.</summary>
public sealed record DiskSpec
{
    public DiskSpec()
    {
    }

    public DiskSpec(double size, string? storageId = null)
    {
        Size = size;
        StorageId = storageId;
    }

    public double Size { get; init; }

    public string? StorageId { get; init; }

    public string? Name { get; init; }

    public string? Bus { get; init; }
}

public sealed record NicSpec
{
    public NicSpec()
    {
    }

    public NicSpec(string network) => Network = network;

    public string Network { get; init; } = string.Empty;

    public string? Mac { get; init; }

    public string? Model { get; init; }
}

public sealed record InstallSpec
{
    public string Location { get; init; } = string.Empty;

    public string? Cmdline { get; init; }
}

/// <summary>Where in a vCenter a new guest goes (vmware only): names as vSphere shows them; what is absent comes from the gateway's configuration.</summary>
public sealed record PlacementSpec
{
    public string? Datacenter { get; init; }

    /// <summary>A cluster, or a standalone host.</summary>
    public string? Cluster { get; init; }

    public string? ResourcePool { get; init; }

    /// <summary>A VM folder's path under the datacenter's (<c>team/web</c>).</summary>
    public string? Folder { get; init; }
}

/// <summary>The body of <c>POST .../guests</c> (API.md §4). Only <see cref="Name"/> and <see cref="Memory"/> are required.</summary>
public sealed record GuestCreateRequest
{
    public string Name { get; init; } = string.Empty;

    /// <summary>MiB.</summary>
    public long Memory { get; init; }

    public int? Cpus { get; init; }

    /// <summary>An image id from <c>GET .../images</c>: the boot disk starts from it.</summary>
    public string? Image { get; init; }

    /// <summary><c>overlay</c> (default) or <c>full</c>.</summary>
    public string? ImageCopy { get; init; }

    public IReadOnlyList<DiskSpec>? Disks { get; init; }

    public IReadOnlyList<NicSpec>? NetworkInterfaces { get; init; }

    public string? Cdrom { get; init; }

    public InstallSpec? Install { get; init; }

    public string? UserData { get; init; }

    /// <summary>Public keys written into the NoCloud seed the guest reads at boot.</summary>
    public IReadOnlyList<string>? SshKeys { get; init; }

    public bool? Start { get; init; }

    /// <summary><c>kvm</c> or <c>qemu</c>.</summary>
    public string? DomainType { get; init; }

    public string? Rootfs { get; init; }

    public string? Init { get; init; }

    /// <summary>vmware: the datacenter, cluster, resource pool and folder of the new guest.</summary>
    public PlacementSpec? Placement { get; init; }
}

/// <summary>
/// The body of <c>PUT .../guests/{id}</c>. <see cref="Cpus"/> alone is sent as a count, with
/// <see cref="VcpusMax"/> as <c>{vcpus_at_startup, vcpus_max}</c>; <see cref="Memory"/> is one size,
/// <see cref="MemoryLimits"/> the limits each on its own (the wire's <c>memory</c> object);
/// <see cref="PvArgs"/> is sent as <c>paravirtualized</c> itself (a paravirtualized boot with these
/// kernel arguments). A key the hypervisor has no meaning for answers 501.
/// </summary>
public sealed record GuestUpdateRequest
{
    public string? Name { get; init; }

    /// <summary>vCPUs at boot.</summary>
    public int? Cpus { get; init; }

    /// <summary>The most vCPUs the guest may have.</summary>
    public int? VcpusMax { get; init; }

    /// <summary>MiB, every limit.</summary>
    public long? Memory { get; init; }

    /// <summary>MiB, each limit on its own (not with <see cref="Memory"/>).</summary>
    public MemoryLimits? MemoryLimits { get; init; }

    /// <summary>MiB a running guest settles at now.</summary>
    public long? MemoryTargetLive { get; init; }

    /// <summary>vCPUs a running guest has now.</summary>
    public int? VcpusNumberLive { get; init; }

    public VcpuSettings? VcpuSettings { get; init; }

    public bool? HaEnabled { get; init; }

    /// <summary>true makes the guest a template (it leaves the guest list).</summary>
    public bool? Template { get; init; }

    /// <summary>A paravirtualized boot (true) or a fully virtualized one (false).</summary>
    public bool? Paravirtualized { get; init; }

    /// <summary>Kernel arguments of a paravirtualized boot (sent as <c>paravirtualized</c>; wins over <see cref="Paravirtualized"/>).</summary>
    public string? PvArgs { get; init; }

    /// <summary>The wanted total disk size in GiB (the last disk grows).</summary>
    public double? Hdd { get; init; }
}

/// <summary>Memory limits in MiB; an absent one keeps the guest's.</summary>
public sealed record MemoryLimits(long? StaticMin = null, long? StaticMax = null, long? Target = null);

/// <summary>vCPU scheduling: <see cref="Weight"/> 1 to 65535, <see cref="Cap"/> percent of one CPU (0: none).</summary>
public sealed record VcpuSettings(int? Weight = null, int? Cap = null);

/// <summary>
/// The body of <c>POST .../guests/{id}/disks</c>: a new volume of <see cref="Size"/> GiB, or, with
/// <see cref="Volume"/>, an existing volume of the pool <see cref="StorageId"/> attached as it is
/// (the gateway keeps that volume when the disk is deleted).
/// </summary>
public sealed record DiskCreateRequest
{
    /// <summary>GiB; required for a new volume, left out when attaching <see cref="Volume"/>.</summary>
    public double? Size { get; init; }

    /// <summary>The new volume's name (not with <see cref="Volume"/>).</summary>
    public string? Name { get; init; }

    /// <summary>The pool (UUID or name) of the new volume, or of <see cref="Volume"/> (then required).</summary>
    public string? StorageId { get; init; }

    public string? Bus { get; init; }

    /// <summary>The name of an existing volume of <see cref="StorageId"/> to attach instead of creating one.</summary>
    public string? Volume { get; init; }

    /// <summary>A body that attaches the existing volume <paramref name="volume"/> of the pool <paramref name="storageId"/>.</summary>
    public static DiskCreateRequest ForVolume(string storageId, string volume, string? bus = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(storageId);
        ArgumentException.ThrowIfNullOrWhiteSpace(volume);
        return new DiskCreateRequest { StorageId = storageId, Volume = volume, Bus = bus };
    }
}

public sealed record DiskUpdateRequest
{
    public string? Name { get; init; }

    /// <summary>GiB (grow only).</summary>
    public double? Size { get; init; }
}

public sealed record NicCreateRequest
{
    public string Network { get; init; } = string.Empty;

    public string? Mac { get; init; }

    public string? Model { get; init; }
}

/// <summary>
/// The body of <c>PUT .../network_interfaces/{id}</c>. <see cref="RateLimitBitsPerSecond"/> sets a
/// limit (the wire's <c>ratelimit</c>); <see cref="RemoveRateLimit"/> sends <c>"ratelimit": false</c>.
/// </summary>
public sealed record NicUpdateRequest
{
    public string? Network { get; init; }

    public long? RateLimitBitsPerSecond { get; init; }

    public bool RemoveRateLimit { get; init; }

    public string? Model { get; init; }

    /// <summary><c>network_default</c>, <c>locked</c>, <c>unlocked</c> or <c>disabled</c>.</summary>
    public string? LockingMode { get; init; }

    /// <summary>Replaces the list (empty clears it).</summary>
    public IReadOnlyList<string>? Ipv4Allowed { get; init; }

    /// <summary>Replaces the list (empty clears it).</summary>
    public IReadOnlyList<string>? Ipv6Allowed { get; init; }

    /// <summary>Plug (true) or unplug (false) the NIC of a running guest.</summary>
    public bool? Active { get; init; }
}

public sealed record NetworkCreateRequest
{
    public string Name { get; init; } = string.Empty;

    public string? Description { get; init; }

    public string? FromNetwork { get; init; }

    public int? Vlan { get; init; }

    public IReadOnlyDictionary<string, string>? OtherConfig { get; init; }
}

/// <summary>The body of <c>POST .../storages/{id}/volumes</c>.</summary>
public sealed record VolumeCreateRequest
{
    public string Name { get; init; } = string.Empty;

    /// <summary>GiB.</summary>
    public double Size { get; init; }

    /// <summary><c>qcow2</c> or <c>raw</c>; the pool's default when null.</summary>
    public string? Format { get; init; }
}

/// <summary>The power states a guest can be asked for (<c>PUT .../power</c>).</summary>
public enum PowerAction
{
    Start,
    Stop,
    ForceStop,
    Pause,
    Resume,
}

/// <summary>
/// Which guests a list answers (<c>GET .../guests?state=&amp;name=&amp;tag=</c>): every property set
/// must hold. <see cref="Name"/> is a glob on the whole name (<c>*</c> any characters, <c>?</c> one,
/// case-sensitive).
/// </summary>
public sealed record GuestFilter(GuestState? State = null, string? Name = null, string? Tag = null);
