using System.Text.Json;
using Simplestack.Core;

namespace Simplestack.Server.Json;

/// <summary>
/// Validation at the edge (shape and obvious ranges; drivers still judge meaning), and the bodies
/// that need reading by hand. Every failure is a 400 <see cref="InvalidArgumentException"/>.
/// </summary>
public static class RequestReaders
{
    public const int MaxCpus = 4096;

    /// <summary>The largest memory a request may ask for, in MiB (16 TiB; libvirt's own limit is far above any host).</summary>
    public const long MaxMemoryMiB = 16L * 1024 * 1024;

    /// <summary>The largest disk or volume size a request may ask for, in GiB (1 PiB).</summary>
    public const double MaxSizeGiB = 1024 * 1024;

    private static readonly Dictionary<string, PowerAction> PowerStates = new(StringComparer.OrdinalIgnoreCase)
    {
        ["start"] = PowerAction.Start,
        ["stop"] = PowerAction.Stop,
        ["force_stop"] = PowerAction.ForceStop,
        ["pause"] = PowerAction.Pause,
        ["resume"] = PowerAction.Resume,
    };

    /// <summary>The power action for a <c>state</c> word; 400 for any other word.</summary>
    public static PowerAction ParsePowerState(string? state)
        => state is not null && PowerStates.TryGetValue(state.Trim(), out var action)
            ? action
            : throw new InvalidArgumentException(
                $"Unknown power state '{state}': expected one of start, stop, force_stop, pause, resume.");

    /// <summary>The word the answer echoes for a power action.</summary>
    public static string PowerWord(PowerAction action) => action switch
    {
        PowerAction.Start => "start",
        PowerAction.Stop => "stop",
        PowerAction.ForceStop => "force_stop",
        PowerAction.Pause => "pause",
        PowerAction.Resume => "resume",
        _ => action.ToString().ToLowerInvariant(),
    };

    public static TimeSpan? ParseWait(double? seconds, int maxSeconds)
    {
        if (seconds is null)
        {
            return null;
        }

        if (!double.IsFinite(seconds.Value) || seconds.Value < 0 || seconds.Value > maxSeconds)
        {
            throw new InvalidArgumentException($"wait must be a number of seconds from 0 to {maxSeconds}.");
        }

        return TimeSpan.FromSeconds(seconds.Value);
    }

    public static GuestCreateRequest Validate(GuestCreateRequest request)
    {
        Name(request.Name, "name");
        Positive(request.Memory, "memory");
        Cpus(request.Cpus, "cpus");
        OptionalName(request.Image, "image");
        if (request.Disks is not null)
        {
            for (var i = 0; i < request.Disks.Count; i++)
            {
                var disk = request.Disks[i] ?? throw new InvalidArgumentException($"disks[{i}] must be an object.");
                Size(disk.Size, $"disks[{i}].size");
                OptionalName(disk.StorageId, $"disks[{i}].storage_id");
                OptionalName(disk.Name, $"disks[{i}].name");
                OptionalName(disk.Bus, $"disks[{i}].bus");
            }
        }

        if (request.NetworkInterfaces is not null)
        {
            for (var i = 0; i < request.NetworkInterfaces.Count; i++)
            {
                var nic = request.NetworkInterfaces[i] ?? throw new InvalidArgumentException($"network_interfaces[{i}] must be an object.");
                Name(nic.Network, $"network_interfaces[{i}].network");
            }
        }

        if (request.Install is not null)
        {
            Name(request.Install.Location, "install.location");
        }

        if (request.SshKeys is not null)
        {
            for (var i = 0; i < request.SshKeys.Count; i++)
            {
                // One key per line of authorized_keys: a line break or control character would smuggle in another.
                if (string.IsNullOrWhiteSpace(request.SshKeys[i]) || request.SshKeys[i].Any(char.IsControl))
                {
                    throw new InvalidArgumentException($"ssh_keys[{i}] must be one public key on one line (no control characters).");
                }
            }
        }

        return request;
    }

    public static GuestUpdateRequest Validate(GuestUpdateRequest request)
    {
        OptionalName(request.Name, "name");
        Cpus(request.Cpus, "cpus");
        if (request.Memory is { } memory)
        {
            Positive(memory, "memory");
        }

        if (request.Hdd is { } hdd)
        {
            Size(hdd, "hdd");
        }

        return request;
    }

    public static DiskCreateRequest Validate(DiskCreateRequest request)
    {
        if (request.Volume is null)
        {
            Size(request.Size, "size");
        }
        else
        {
            Name(request.Volume, "volume");
            Name(request.StorageId, "storage_id");
            if (request.Size != 0 || request.Name is not null)
            {
                throw new InvalidArgumentException("A disk from an existing volume takes volume and storage_id, not size or name.");
            }
        }

        OptionalName(request.Name, "name");
        OptionalName(request.StorageId, "storage_id");
        OptionalName(request.Bus, "bus");
        return request;
    }

    public static DiskUpdateRequest Validate(DiskUpdateRequest request)
    {
        OptionalName(request.Name, "name");
        if (request.Size is { } size)
        {
            Size(size, "size");
        }

        return request;
    }

    public static NicCreateRequest Validate(NicCreateRequest request)
    {
        Name(request.Network, "network");
        OptionalName(request.Mac, "mac");
        OptionalName(request.Model, "model");
        return request;
    }

    public static SnapshotCreateRequest Validate(SnapshotCreateRequest request)
    {
        OptionalName(request.Name, "name");
        return request;
    }

    public static NetworkCreateRequest Validate(NetworkCreateRequest request)
    {
        Name(request.Name, "name");
        if (request.Vlan is { } vlan && vlan is < 0 or > 4094)
        {
            throw new InvalidArgumentException("vlan must be from 0 to 4094.");
        }

        return request;
    }

    public static VolumeCreateRequest Validate(VolumeCreateRequest request)
    {
        Name(request.Name, "name");
        Size(request.Size, "size");
        OptionalName(request.Format, "format");
        return request;
    }

    public static string ValidateTag(string? tag)
    {
        Name(tag, "name");
        if (tag!.Contains('/', StringComparison.Ordinal) || tag.Any(char.IsControl))
        {
            throw new InvalidArgumentException("A tag cannot contain '/' or control characters.");
        }

        return tag;
    }

    public static string ValidateName(string? name, string field)
    {
        Name(name, field);
        return name!;
    }

    /// <summary>
    /// Reads <c>{"network"?, "model"?, "ratelimit"?}</c>: <c>ratelimit</c> is bits per second (a
    /// positive whole number) or <c>false</c> to remove the limit.
    /// </summary>
    public static NicUpdateRequest ReadNicUpdate(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidArgumentException("The request body must be a JSON object.");
        }

        var network = OptionalString(body, "network");
        var model = OptionalString(body, "model");
        OptionalName(network, "network");
        OptionalName(model, "model");

        long? rate = null;
        var remove = false;
        if (body.TryGetProperty("ratelimit", out var limit))
        {
            switch (limit.ValueKind)
            {
                case JsonValueKind.False:
                    remove = true;
                    break;
                case JsonValueKind.Null:
                    break;
                case JsonValueKind.Number when limit.TryGetDouble(out var value) && double.IsFinite(value)
                                               && value > 0 && value <= long.MaxValue && Math.Floor(value) == value:
                    rate = (long)value;
                    break;
                default:
                    throw new InvalidArgumentException(
                        "ratelimit must be a positive whole number of bits per second, or false to remove the limit.");
            }
        }

        return new NicUpdateRequest(network, rate, remove, model);
    }

    private static string? OptionalString(JsonElement body, string property)
    {
        if (!body.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new InvalidArgumentException($"{property} must be a string.");
    }

    private static void Name(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidArgumentException($"{field} is required and must not be empty.");
        }
    }

    private static void OptionalName(string? value, string field)
    {
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidArgumentException($"{field} must not be empty when given.");
        }
    }

    private static void Positive(long value, string field)
    {
        if (value is <= 0 or > MaxMemoryMiB)
        {
            throw new InvalidArgumentException($"{field} must be from 1 to {MaxMemoryMiB} (MiB).");
        }
    }

    private static void Size(double value, string field)
    {
        if (!double.IsFinite(value) || value <= 0 || value > MaxSizeGiB)
        {
            throw new InvalidArgumentException($"{field} must be a number greater than 0 and at most {MaxSizeGiB} (GiB).");
        }
    }

    private static void Cpus(int? value, string field)
    {
        if (value is { } cpus && cpus is < 1 or > MaxCpus)
        {
            throw new InvalidArgumentException($"{field} must be from 1 to {MaxCpus}.");
        }
    }
}
