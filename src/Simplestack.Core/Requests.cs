namespace Simplestack.Core;

// Request bodies of API.md §3-4, after the server has parsed and validated their shape.
// Drivers still validate meaning (does the network exist, is the size sane for this pool).

public sealed record DiskSpec(double Size, string? StorageId = null, string? Name = null, string? Bus = null);

public sealed record NicSpec(string Network, string? Mac = null, string? Model = null);

public sealed record InstallSpec(string Location, string? Cmdline = null);

public sealed record GuestCreateRequest(
    string Name,
    long Memory,
    int? Cpus = null,
    string? Image = null,
    string? ImageCopy = null,
    IReadOnlyList<DiskSpec>? Disks = null,
    IReadOnlyList<NicSpec>? NetworkInterfaces = null,
    string? Cdrom = null,
    InstallSpec? Install = null,
    string? UserData = null,
    IReadOnlyList<string>? SshKeys = null,
    bool Start = false,
    string? DomainType = null,
    string? Rootfs = null,
    string? Init = null);

public sealed record GuestUpdateRequest(string? Name = null, int? Cpus = null, long? Memory = null, double? Hdd = null);

public sealed record GuestDeleteOptions(bool KeepDisks = false);

public enum PowerAction
{
    Start,
    Stop,
    ForceStop,
    Pause,
    Resume,
}

/// <summary>
/// A new disk: a new volume of <see cref="Size"/> GiB, or, with <see cref="Volume"/>, an existing
/// volume of the storage <see cref="StorageId"/> attached as it is (and kept when the disk goes).
/// </summary>
public sealed record DiskCreateRequest(double Size = 0, string? Name = null, string? StorageId = null, string? Bus = null, string? Volume = null);

public sealed record DiskUpdateRequest(string? Name = null, double? Size = null);

public sealed record NicCreateRequest(string Network, string? Mac = null, string? Model = null);

/// <summary>
/// A NIC change. <see cref="RateLimitBitsPerSecond"/> sets a limit; <see cref="RemoveRateLimit"/>
/// (the original's <c>"ratelimit": false</c>) removes it.
/// </summary>
public sealed record NicUpdateRequest(string? Network = null, long? RateLimitBitsPerSecond = null, bool RemoveRateLimit = false, string? Model = null);

public sealed record SnapshotCreateRequest(string? Name = null);

public sealed record NetworkCreateRequest(
    string Name,
    string? Description = null,
    string? FromNetwork = null,
    int? Vlan = null,
    IReadOnlyDictionary<string, string>? OtherConfig = null);

public sealed record VolumeCreateRequest(string Name, double Size, string? Format = null);
