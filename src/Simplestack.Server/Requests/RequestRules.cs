using Simplestack.Core;

namespace Simplestack.Server.Requests;

/// <summary>
/// A request record that checks its own fields (shape and obvious ranges; drivers still judge
/// meaning). <see cref="JsonBody{T}"/> calls it once the body is read; a failure throws
/// <see cref="InvalidArgumentException"/> (400) naming the field.
/// </summary>
public interface IValidatedRequest
{
    void Validate();
}

/// <summary>
/// The rules of every request body, each written once: the records the server owns check
/// themselves (<see cref="IValidatedRequest"/>); Core's request records, which are the wire's shape
/// but cannot carry server code, are checked here. Every failure is a 400 <see cref="InvalidArgumentException"/>.
/// </summary>
public static class RequestRules
{
    public const int MaxCpus = 4096;

    /// <summary>The largest memory a request may ask for, in MiB (16 TiB; libvirt's own limit is far above any host).</summary>
    public const long MaxMemoryMiB = 16L * 1024 * 1024;

    /// <summary>The largest disk or volume size a request may ask for, in GiB (1 PiB).</summary>
    public const double MaxSizeGiB = 1024 * 1024;

    /// <summary>Applies the rules of whatever request <paramref name="body"/> is (bodies without rules pass).</summary>
    public static void Check(object body)
    {
        switch (body)
        {
            case IValidatedRequest own: own.Validate(); break;
            case GuestCreateRequest guest: Validate(guest); break;
            case GuestUpdateRequest update: Validate(update); break;
            case DiskCreateRequest disk: Validate(disk); break;
            case DiskUpdateRequest disk: Validate(disk); break;
            case NicCreateRequest nic: Validate(nic); break;
            case SnapshotCreateRequest snapshot: Validate(snapshot); break;
            case NetworkCreateRequest network: Validate(network); break;
            case VolumeCreateRequest volume: Validate(volume); break;
        }
    }

    public static GuestCreateRequest Validate(GuestCreateRequest request)
    {
        Required(request.Name, "name");
        MemoryMiB(request.Memory, "memory");
        Cpus(request.Cpus, "cpus");
        NotBlankWhenGiven(request.Image, "image");
        if (request.Disks is not null)
        {
            for (var i = 0; i < request.Disks.Count; i++)
            {
                var disk = request.Disks[i] ?? throw new InvalidArgumentException($"disks[{i}] must be an object.");
                SizeGiB(disk.Size, $"disks[{i}].size");
                NotBlankWhenGiven(disk.StorageId, $"disks[{i}].storage_id");
                NotBlankWhenGiven(disk.Name, $"disks[{i}].name");
                NotBlankWhenGiven(disk.Bus, $"disks[{i}].bus");
            }
        }

        if (request.NetworkInterfaces is not null)
        {
            for (var i = 0; i < request.NetworkInterfaces.Count; i++)
            {
                var nic = request.NetworkInterfaces[i] ?? throw new InvalidArgumentException($"network_interfaces[{i}] must be an object.");
                Required(nic.Network, $"network_interfaces[{i}].network");
            }
        }

        if (request.Install is not null)
        {
            Required(request.Install.Location, "install.location");
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
        NotBlankWhenGiven(request.Name, "name");
        Cpus(request.Cpus, "cpus");
        if (request.Memory is { } memory)
        {
            MemoryMiB(memory, "memory");
        }

        if (request.Hdd is { } hdd)
        {
            SizeGiB(hdd, "hdd");
        }

        return request;
    }

    public static DiskCreateRequest Validate(DiskCreateRequest request)
    {
        if (request.Volume is null)
        {
            SizeGiB(request.Size, "size");
        }
        else
        {
            Required(request.Volume, "volume");
            Required(request.StorageId, "storage_id");
            if (request.Size != 0 || request.Name is not null)
            {
                throw new InvalidArgumentException("A disk from an existing volume takes volume and storage_id, not size or name.");
            }
        }

        NotBlankWhenGiven(request.Name, "name");
        NotBlankWhenGiven(request.StorageId, "storage_id");
        NotBlankWhenGiven(request.Bus, "bus");
        return request;
    }

    public static DiskUpdateRequest Validate(DiskUpdateRequest request)
    {
        NotBlankWhenGiven(request.Name, "name");
        if (request.Size is { } size)
        {
            SizeGiB(size, "size");
        }

        return request;
    }

    public static NicCreateRequest Validate(NicCreateRequest request)
    {
        Required(request.Network, "network");
        NotBlankWhenGiven(request.Mac, "mac");
        NotBlankWhenGiven(request.Model, "model");
        return request;
    }

    public static SnapshotCreateRequest Validate(SnapshotCreateRequest request)
    {
        NotBlankWhenGiven(request.Name, "name");
        return request;
    }

    public static NetworkCreateRequest Validate(NetworkCreateRequest request)
    {
        Required(request.Name, "name");
        if (request.Vlan is { } vlan && vlan is < 0 or > 4094)
        {
            throw new InvalidArgumentException("vlan must be from 0 to 4094.");
        }

        return request;
    }

    public static VolumeCreateRequest Validate(VolumeCreateRequest request)
    {
        Required(request.Name, "name");
        SizeGiB(request.Size, "size");
        NotBlankWhenGiven(request.Format, "format");
        return request;
    }

    /// <summary>A string field that must be present and not blank.</summary>
    public static void Required(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidArgumentException($"{field} is required and must not be empty.");
        }
    }

    /// <summary>A string field that may be absent, but not blank.</summary>
    public static void NotBlankWhenGiven(string? value, string field)
    {
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidArgumentException($"{field} must not be empty when given.");
        }
    }

    private static void MemoryMiB(long value, string field)
    {
        if (value is <= 0 or > MaxMemoryMiB)
        {
            throw new InvalidArgumentException($"{field} must be from 1 to {MaxMemoryMiB} (MiB).");
        }
    }

    private static void SizeGiB(double value, string field)
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
