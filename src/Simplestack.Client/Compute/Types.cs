using System.Net;
using System.Net.Sockets;
using Simplestack.Client.Configuration;
using Simplestack.Client.Models;

namespace Simplestack.Client.Compute;

/// <summary>
/// A node's state in Libcloud's words. The gateway's coarse state and the hypervisor's own word are
/// kept on the node (<see cref="Node.GatewayState"/>, <see cref="Node.NativeState"/>), so nothing is lost.
/// </summary>
public enum NodeState
{
    Unknown,
    Running,
    Pending,
    Rebooting,
    Stopping,
    Stopped,
    Paused,
    Suspended,
    Terminated,
    Error,
}

/// <summary>The map from the gateway's state and the hypervisor's word to <see cref="NodeState"/>.</summary>
public static class NodeStates
{
    public static NodeState From(GuestState state, string? detail) => (state, detail?.ToLowerInvariant()) switch
    {
        (GuestState.Started, "shutdown" or "shutting down" or "stopping") => NodeState.Stopping,
        (GuestState.Started, "starting" or "pending" or "booting") => NodeState.Pending,
        (GuestState.Started, _) => NodeState.Running,
        (GuestState.Paused, "pmsuspended" or "suspended") => NodeState.Suspended,
        (GuestState.Paused, _) => NodeState.Paused,
        (GuestState.Stopped, "crashed") => NodeState.Error,
        (GuestState.Stopped, _) => NodeState.Stopped,
        _ => NodeState.Unknown,
    };
}

/// <summary>Where a node's addresses are looked for, as Libcloud's <c>ssh_interface</c>.</summary>
public enum SshInterface
{
    /// <summary>The guest's first address, private or public.</summary>
    Any,
    PublicIps,
    PrivateIps,
}

/// <summary>A size a node can be created with (Libcloud's <c>NodeSize</c>). <see cref="Ram"/> in MiB, <see cref="Disk"/> in GiB.</summary>
public sealed record NodeSize(string Id, string Name, int Cpus, long Ram, double? Disk)
{
    public decimal? Price { get; init; }

    public long? Bandwidth { get; init; }

    /// <summary>Where the size comes from: <c>gateway</c> or <c>configuration</c>.</summary>
    public string Source { get; init; } = "gateway";

    public static NodeSize From(InstanceSize size, string source = "gateway")
        => new(size.Id, string.IsNullOrEmpty(size.Name) ? size.Id : size.Name, size.Cpus, size.Memory, size.Disk) { Source = source };
}

/// <summary>An image a node can start from (Libcloud's <c>NodeImage</c>): its id is what a create body's <c>image</c> names.</summary>
public sealed record NodeImage(string Id, string Name)
{
    public IReadOnlyDictionary<string, object?> Extra { get; init; } = new Dictionary<string, object?>();

    public static NodeImage From(Image image) => new(image.Id, string.IsNullOrEmpty(image.Name) ? image.Id : image.Name)
    {
        Extra = new Dictionary<string, object?>
        {
            ["storage_id"] = image.StorageId,
            ["size"] = image.Size,
            ["size_bytes"] = image.SizeBytes,
            ["format"] = image.Format,
            ["path"] = image.Path,
        },
    };
}

/// <summary>A location (Libcloud's <c>NodeLocation</c>): a section of the configuration file.</summary>
public sealed record NodeLocation(string Id, string Name, string? Country, SimplestackLocation Configuration)
{
    public static NodeLocation From(SimplestackLocation location)
        => new(location.Name, $"{location.Hypervisor}/{location.Host} via {location.GatewayUrl}", null, location);
}

/// <summary>A storage volume (Libcloud's <c>StorageVolume</c>). <see cref="Size"/> in GiB.</summary>
public sealed record StorageVolume(string Id, string Name, double Size, string StorageId, NodeLocation Location)
{
    public string? Path { get; init; }

    public string? Format { get; init; }

    /// <summary>The guest whose disk this volume is, when known (set by <see cref="ComputeDriver.ListVolumesAsync"/>).</summary>
    public string? AttachedTo { get; init; }

    public IReadOnlyDictionary<string, object?> Extra { get; init; } = new Dictionary<string, object?>();

    public static StorageVolume From(VolumeInfo volume, string storageId, NodeLocation location)
        => new(volume.Id, string.IsNullOrEmpty(volume.Name) ? volume.Id : volume.Name, volume.Size, volume.StorageId ?? storageId, location)
        {
            Path = volume.Path,
            Format = volume.Format,
            Extra = new Dictionary<string, object?>
            {
                ["size_bytes"] = volume.SizeBytes,
                ["allocation_bytes"] = volume.AllocationBytes,
            },
        };
}

/// <summary>A node (Libcloud's <c>Node</c>): a guest seen through the compute vocabulary.</summary>
public sealed record Node(string Id, string Name, NodeState State, NodeLocation Location)
{
    /// <summary>The gateway's coarse state (<c>STARTED</c>, <c>STOPPED</c>, <c>PAUSED</c>).</summary>
    public GuestState GatewayState { get; init; }

    /// <summary>The hypervisor's own word for the state (<c>running</c>, <c>shutoff</c>, <c>crashed</c>...).</summary>
    public string? NativeState { get; init; }

    public IReadOnlyList<string> PublicIps { get; init; } = [];

    public IReadOnlyList<string> PrivateIps { get; init; } = [];

    public NodeSize? Size { get; init; }

    public NodeImage? Image { get; init; }

    /// <summary>The guest as the gateway described it.</summary>
    public Guest? Guest { get; init; }

    public IReadOnlyDictionary<string, object?> Extra { get; init; } = new Dictionary<string, object?>();

    /// <summary>The addresses an SSH connection would try, in order.</summary>
    public IReadOnlyList<string> AddressesFor(SshInterface sshInterface) => sshInterface switch
    {
        SshInterface.PublicIps => PublicIps,
        SshInterface.PrivateIps => PrivateIps,
        _ => [.. (Guest?.Ip is { Length: > 0 } first ? [first] : Array.Empty<string>()).Concat(PrivateIps).Concat(PublicIps).Distinct()],
    };

    public static Node From(Guest guest, NodeLocation location, NodeSize? size = null, NodeImage? image = null)
    {
        var addresses = guest.Ips.Count > 0 ? guest.Ips : guest.Ip is { Length: > 0 } ip ? [ip] : [];
        var isPrivate = addresses.ToLookup(IpAddresses.IsPrivate);
        return new Node(guest.Id, guest.Name, NodeStates.From(guest.State, guest.StateDetail), location)
        {
            GatewayState = guest.State,
            NativeState = guest.StateDetail,
            PrivateIps = [.. isPrivate[true]],
            PublicIps = [.. isPrivate[false]],
            Size = size,
            Image = image,
            Guest = guest,
            Extra = new Dictionary<string, object?>
            {
                ["cpus"] = guest.Cpus,
                ["memory"] = guest.Memory,
                ["hdd"] = guest.Hdd,
                ["host"] = guest.Host,
                ["paravirtualized"] = guest.Paravirtualized,
                ["tools_up_to_date"] = guest.ToolsUpToDate,
                ["state"] = GuestStateConverter.ToWire(guest.State),
                ["state_detail"] = guest.StateDetail,
            },
        };
    }
}

/// <summary>Private (RFC 1918, CGNAT, link-local, loopback, ULA) versus public addresses.</summary>
public static class IpAddresses
{
    public static bool IsPrivate(string address)
    {
        if (!IPAddress.TryParse(address, out var ip))
        {
            return false;
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        if (IPAddress.IsLoopback(ip))
        {
            return true;
        }

        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = ip.GetAddressBytes();
            return b[0] == 10
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
                || (b[0] == 169 && b[1] == 254);
        }

        return ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || ip.IsIPv6UniqueLocal;
    }
}
