namespace Simplestack.Core;

// Request bodies of API.md §3-4. Each checks its own shape and ranges (IValidatable, run by the
// server when it binds a body); drivers still validate meaning (does the network exist, is the
// size sane for this pool).

public sealed record DiskSpec(double Size, string? StorageId = null, string? Name = null, string? Bus = null);

public sealed record NicSpec(string Network, string? Mac = null, string? Model = null);

public sealed record InstallSpec(string Location, string? Cmdline = null);

/// <summary>
/// Where in a vCenter a new guest goes (the vmware driver; others have no such choice): names as
/// vSphere shows them; what is absent comes from the gateway's configuration.
/// </summary>
public sealed record PlacementSpec(string? Datacenter = null, string? Cluster = null, string? ResourcePool = null, string? Folder = null);

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
    string? Init = null,
    PlacementSpec? Placement = null) : IValidatable
{
    public void Validate()
    {
        FieldRules.Required(Name, "name");
        FieldRules.MemoryMiB(Memory, "memory");
        FieldRules.Cpus(Cpus, "cpus");
        FieldRules.NotBlankWhenGiven(Image, "image");
        FieldRules.Each(Disks, "disks", (disk, field) =>
        {
            FieldRules.SizeGiB(disk.Size, $"{field}.size");
            FieldRules.NotBlankWhenGiven(disk.StorageId, $"{field}.storage_id");
            FieldRules.NotBlankWhenGiven(disk.Name, $"{field}.name");
            FieldRules.NotBlankWhenGiven(disk.Bus, $"{field}.bus");
        });
        FieldRules.Each(NetworkInterfaces, "network_interfaces", (nic, field) => FieldRules.Required(nic.Network, $"{field}.network"));
        if (Placement is not null)
        {
            FieldRules.NotBlankWhenGiven(Placement.Datacenter, "placement.datacenter");
            FieldRules.NotBlankWhenGiven(Placement.Cluster, "placement.cluster");
            FieldRules.NotBlankWhenGiven(Placement.ResourcePool, "placement.resource_pool");
            FieldRules.NotBlankWhenGiven(Placement.Folder, "placement.folder");
        }

        if (Install is not null)
        {
            FieldRules.Required(Install.Location, "install.location");
        }

        for (var i = 0; i < (SshKeys?.Count ?? 0); i++)
        {
            // One key per line of authorized_keys: a line break or control character would smuggle in another.
            if (string.IsNullOrWhiteSpace(SshKeys![i]) || SshKeys[i].Any(char.IsControl))
            {
                throw new InvalidArgumentException($"ssh_keys[{i}] must be one public key on one line (no control characters).");
            }
        }
    }
}

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
public sealed record DiskCreateRequest(double Size = 0, string? Name = null, string? StorageId = null, string? Bus = null, string? Volume = null) : IValidatable
{
    public void Validate()
    {
        if (Volume is null)
        {
            FieldRules.SizeGiB(Size, "size");
        }
        else
        {
            FieldRules.Required(Volume, "volume");
            FieldRules.Required(StorageId, "storage_id");
            if (Size != 0 || Name is not null)
            {
                throw new InvalidArgumentException("A disk from an existing volume takes volume and storage_id, not size or name.");
            }
        }

        FieldRules.NotBlankWhenGiven(Name, "name");
        FieldRules.NotBlankWhenGiven(StorageId, "storage_id");
        FieldRules.NotBlankWhenGiven(Bus, "bus");
    }
}

public sealed record DiskUpdateRequest(string? Name = null, double? Size = null) : IValidatable
{
    public void Validate()
    {
        FieldRules.NotBlankWhenGiven(Name, "name");
        if (Size is { } size)
        {
            FieldRules.SizeGiB(size, "size");
        }
    }
}

public sealed record NicCreateRequest(string Network, string? Mac = null, string? Model = null) : IValidatable
{
    public void Validate()
    {
        FieldRules.Required(Network, "network");
        FieldRules.NotBlankWhenGiven(Mac, "mac");
        FieldRules.NotBlankWhenGiven(Model, "model");
    }
}

public sealed record SnapshotCreateRequest(string? Name = null) : IValidatable
{
    public void Validate() => FieldRules.NotBlankWhenGiven(Name, "name");
}

public sealed record NetworkCreateRequest(
    string Name,
    string? Description = null,
    string? FromNetwork = null,
    int? Vlan = null,
    IReadOnlyDictionary<string, string>? OtherConfig = null) : IValidatable
{
    public void Validate()
    {
        FieldRules.Required(Name, "name");
        FieldRules.Vlan(Vlan, "vlan");
    }
}

public sealed record VolumeCreateRequest(string Name, double Size, string? Format = null) : IValidatable
{
    public void Validate()
    {
        FieldRules.Required(Name, "name");
        FieldRules.SizeGiB(Size, "size");
        FieldRules.NotBlankWhenGiven(Format, "format");
    }
}
