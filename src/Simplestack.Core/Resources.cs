using System.Text.Json.Serialization;

namespace Simplestack.Core;

// The resources of API.md §3. They are the wire shape too: the server and the client serialise
// them with the snake_case naming policy, which yields the original Simplestack's field names.
// Sizes follow the original's units (memory in MiB, disk and storage sizes in GiB) and add exact
// byte counts where rounding would lose information.

public sealed record SoftwareInfo(string Version, string Hypervisor, string LibraryVersion);

public sealed record PoolInfo(
    long UsedMemory,
    long TotalMemory,
    string Uuid,
    string Master,
    SoftwareInfo SoftwareInfo);

public sealed record HostInfo(
    string Id,
    string Name,
    string Address,
    int Cpus,
    long Memory,
    string HypervisorVersion);

public sealed record StorageInfo(
    string Id,
    string Name,
    string Type,
    double UsedSpace,
    double AllocatedSpace,
    double Size,
    long UsedSpaceBytes,
    long AllocatedSpaceBytes,
    long SizeBytes,
    string State);

public sealed record Guest(
    string Id,
    string Name,
    int Cpus,
    long Memory,
    double Hdd,
    bool Paravirtualized,
    bool ToolsUpToDate,
    string? Ip,
    IReadOnlyList<string> Ips,
    GuestState State,
    string StateDetail,
    string Host)
{
    /// <summary>
    /// Only on the answer to an update: for each changed field, whether it applied
    /// <c>live</c> or takes effect at <c>next_boot</c>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Applied { get; init; }

    /// <summary>
    /// The guest's tags as the list read them, for <c>GET .../guests?tag=</c>; null when the driver
    /// does not read them with the list (its connection then is no <see cref="IGuestListTags"/>).
    /// Not part of the guest object on the wire: <c>GET .../guests/{id}/tags</c> shows them.
    /// </summary>
    /// <remarks>No tags is always the one empty instance, so two reads of an untagged guest stay equal records.</remarks>
    [JsonIgnore]
    public IReadOnlyList<string>? Tags
    {
        get;
        init => field = value is { Count: 0 } ? [] : value;
    }
}

public static class Applied
{
    public const string Live = "live";
    public const string NextBoot = "next_boot";
}

public sealed record Disk(
    string Id,
    string Name,
    int Number,
    double Size,
    IReadOnlyDictionary<string, string> ExtraInfo,
    string Device,
    string Bus,
    string? Format,
    string? Path,
    long SizeBytes);

public sealed record MediaDevice(string? Name);

public sealed record RateLimit(string Kbps);

public sealed record NetworkInterface(
    string Id,
    int Number,
    string Mac,
    string? Network,
    string LockingMode,
    IReadOnlyList<string> Ipv4Allowed,
    IReadOnlyList<string> Ipv6Allowed,
    RateLimit? RateLimit,
    string? Model,
    int? Vlan)
{
    /// <summary>Whether the NIC is plugged into the guest now (Xen's currently_attached); absent where the driver does not say.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Active { get; init; }
}

public sealed record Snapshot(
    string Id,
    string Name,
    string State,
    string? Path,
    DateTimeOffset Created);

public sealed record Network(
    string Id,
    string Name,
    string? Bridge,
    string Description,
    int? Vlan,
    IReadOnlyDictionary<string, string> OtherConfig,
    string Uuid,
    bool Active,
    bool Persistent,
    bool Autostart,
    string? Forward);

/// <summary>The answer to a power or reboot request, as the original gave it.</summary>
public sealed record ActionResult(string Action, string Message)
{
    public static ActionResult Ok(string action) => new(action, "ok");
}

/// <summary>A base volume guests can be created from (API.md §6): a volume of an image pool.</summary>
public sealed record Image(string Id, string Name, string StorageId, double Size, long SizeBytes, string? Format, string Path);

/// <summary>An instance type (API.md §6), from configuration.</summary>
public sealed record InstanceSize(string Id, string Name, int Cpus, long Memory, double? Disk = null);

/// <summary>A storage volume of a pool (API.md §6); its id is its name within the pool.</summary>
public sealed record Volume(
    string Id,
    string Name,
    string StorageId,
    double Size,
    long SizeBytes,
    long AllocationBytes,
    string? Format,
    string Path,
    IReadOnlyList<string> UsedBy);
