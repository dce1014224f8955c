using System.Text.Json;
using System.Text.Json.Serialization;

namespace Simplestack.Client.Models;

// The resources of API.md §3 and §6, as the gateway sends them (snake_case on the wire). They are
// the client's own records, not the server's: they tolerate missing and unknown fields (kept in
// Extra) so that a newer gateway or another hypervisor's driver does not break an older client.
// Units follow the API: memory in MiB, disk and storage sizes in GiB, exact *_bytes where given.

/// <summary>The coarse state of a guest. <see cref="Unknown"/> stands for a word this client does not know.</summary>
[JsonConverter(typeof(GuestStateConverter))]
public enum GuestState
{
    Unknown,
    Started,
    Stopped,
    Paused,
}

/// <summary>The answer of <c>GET /{hv}/{host}</c>.</summary>
public sealed record PoolInfo
{
    public long UsedMemory { get; init; }

    public long TotalMemory { get; init; }

    public string Uuid { get; init; } = string.Empty;

    public string Master { get; init; } = string.Empty;

    public SoftwareInfo? SoftwareInfo { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

public sealed record SoftwareInfo
{
    public string? Version { get; init; }

    public string? Hypervisor { get; init; }

    public string? LibraryVersion { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

public sealed record HostInfo
{
    public string Id { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string Address { get; init; } = string.Empty;

    public int Cpus { get; init; }

    /// <summary>MiB.</summary>
    public long Memory { get; init; }

    public string? HypervisorVersion { get; init; }
}

public sealed record StorageInfo
{
    public string Id { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string Type { get; init; } = string.Empty;

    /// <summary>GiB.</summary>
    public double UsedSpace { get; init; }

    public double AllocatedSpace { get; init; }

    public double Size { get; init; }

    public long? UsedSpaceBytes { get; init; }

    public long? AllocatedSpaceBytes { get; init; }

    public long? SizeBytes { get; init; }

    public string? State { get; init; }
}

public sealed record Guest
{
    /// <summary>The hypervisor's id (libvirt: the domain UUID).</summary>
    public string Id { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public int Cpus { get; init; }

    /// <summary>MiB.</summary>
    public long Memory { get; init; }

    /// <summary>GiB, the total of its disks.</summary>
    public double Hdd { get; init; }

    public bool Paravirtualized { get; init; }

    public bool ToolsUpToDate { get; init; }

    public string? Ip { get; init; }

    public IReadOnlyList<string> Ips { get; init; } = [];

    public GuestState State { get; init; }

    /// <summary>The hypervisor's own word for the state (libvirt: <c>running</c>, <c>shutoff</c>, ...).</summary>
    public string? StateDetail { get; init; }

    public string? Host { get; init; }

    /// <summary>Only on an update's answer: for each changed field, <c>live</c> or <c>next_boot</c>.</summary>
    public IReadOnlyDictionary<string, string>? Applied { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

public sealed record Disk
{
    /// <summary>The device target (<c>vda</c>, <c>sdb</c>).</summary>
    public string Id { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public int Number { get; init; }

    /// <summary>GiB.</summary>
    public double Size { get; init; }

    public IReadOnlyDictionary<string, string>? ExtraInfo { get; init; }

    public string? Device { get; init; }

    public string? Bus { get; init; }

    public string? Format { get; init; }

    public string? Path { get; init; }

    public long? SizeBytes { get; init; }
}

public sealed record MediaDevice
{
    /// <summary>The mounted ISO, or null when the drive is empty.</summary>
    public string? Name { get; init; }
}

public sealed record RateLimit
{
    public string? Kbps { get; init; }
}

public sealed record NetworkInterface
{
    /// <summary>The MAC address.</summary>
    public string Id { get; init; } = string.Empty;

    public int Number { get; init; }

    public string Mac { get; init; } = string.Empty;

    public string? Network { get; init; }

    public string? LockingMode { get; init; }

    public IReadOnlyList<string>? Ipv4Allowed { get; init; }

    public IReadOnlyList<string>? Ipv6Allowed { get; init; }

    public RateLimit? RateLimit { get; init; }

    /// <summary>Plugged into the guest now; null where the driver does not say.</summary>
    public bool? Active { get; init; }

    public string? Model { get; init; }

    public int? Vlan { get; init; }
}

public sealed record Snapshot
{
    /// <summary>The snapshot's name.</summary>
    public string Id { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string? State { get; init; }

    public string? Path { get; init; }

    public DateTimeOffset? Created { get; init; }
}

public sealed record Network
{
    /// <summary>The network's name.</summary>
    public string Id { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string? Bridge { get; init; }

    public string? Description { get; init; }

    public int? Vlan { get; init; }

    public IReadOnlyDictionary<string, string>? OtherConfig { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>The answer to a power, reboot or revert request: <c>{"action","message":"ok"}</c>.</summary>
public sealed record ActionResult
{
    public string Action { get; init; } = string.Empty;

    public string Message { get; init; } = string.Empty;
}

/// <summary>A guest template or base volume a guest can be created from (API.md §6, <c>GET .../images</c>).</summary>
public sealed record Image
{
    /// <summary>What a create body's <c>image</c> names.</summary>
    public string Id { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string? StorageId { get; init; }

    /// <summary>GiB.</summary>
    public double? Size { get; init; }

    public long? SizeBytes { get; init; }

    public string? Format { get; init; }

    public string? Path { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>An instance type (API.md §6, <c>GET .../sizes</c>).</summary>
public sealed record InstanceSize
{
    public string Id { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public int Cpus { get; init; }

    /// <summary>MiB.</summary>
    public long Memory { get; init; }

    /// <summary>GiB, when the type names a disk.</summary>
    public double? Disk { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>A storage volume of a pool (API.md §6, <c>.../storages/{id}/volumes</c>).</summary>
public sealed record VolumeInfo
{
    public string Id { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string? StorageId { get; init; }

    /// <summary>GiB.</summary>
    public double Size { get; init; }

    public long? SizeBytes { get; init; }

    public long? AllocationBytes { get; init; }

    public string? Format { get; init; }

    public string? Path { get; init; }

    /// <summary>The names of the guests whose disk this volume is.</summary>
    public IReadOnlyList<string>? UsedBy { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>Reads <c>STARTED</c>/<c>STOPPED</c>/<c>PAUSED</c> (any case); anything else is <see cref="GuestState.Unknown"/>.</summary>
public sealed class GuestStateConverter : JsonConverter<GuestState>
{
    public override GuestState Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => reader.TokenType == JsonTokenType.String ? Parse(reader.GetString()) : GuestState.Unknown;

    public override void Write(Utf8JsonWriter writer, GuestState value, JsonSerializerOptions options)
        => writer.WriteStringValue(ToWire(value));

    public static GuestState Parse(string? word) => word?.ToUpperInvariant() switch
    {
        "STARTED" => GuestState.Started,
        "STOPPED" => GuestState.Stopped,
        "PAUSED" => GuestState.Paused,
        _ => GuestState.Unknown,
    };

    public static string ToWire(GuestState state) => state switch
    {
        GuestState.Started => "STARTED",
        GuestState.Stopped => "STOPPED",
        GuestState.Paused => "PAUSED",
        _ => "UNKNOWN",
    };
}
