using System.Text.Json.Serialization;

namespace Simplestack.Core.Transfer;

/// <summary>
/// <c>manifest.json</c> of an export archive (API.md §5), format version 2: the guest described in
/// words every driver shares, so that an archive made on one kind of hypervisor can be read on
/// another. The hypervisor's own, richer description travels beside it in the archive
/// (<see cref="Native"/>); a driver importing its own kind's archive builds the guest from that,
/// and uses this manifest to check the archive (its disks' files, sizes and checksums).
/// Read and write it with <see cref="GuestManifestJson"/>, which also validates it.
/// </summary>
/// <param name="Name">The guest's name.</param>
/// <param name="Cpus">Virtual CPUs the guest boots with.</param>
/// <param name="MemoryMib">Memory the guest boots with, in MiB (rounded up).</param>
/// <param name="Firmware">One of <see cref="GuestFirmware"/>'s words: <c>bios</c>, <c>uefi</c>, <c>none</c>.</param>
/// <param name="Disks">The guest's disks in boot order, each with its file in the archive.</param>
/// <param name="Nics">The guest's network interfaces, in order.</param>
/// <param name="Tags">The guest's tags.</param>
/// <param name="Native">The hypervisor's own description of the guest, kept beside the manifest.</param>
public sealed record GuestManifest(
    string Name,
    int Cpus,
    long MemoryMib,
    string Firmware,
    IReadOnlyList<GuestManifestDisk> Disks,
    IReadOnlyList<GuestManifestNic> Nics,
    IReadOnlyList<string> Tags,
    NativeDescription Native)
{
    /// <summary>The manifest version this code writes and the only one <see cref="GuestManifestJson.Parse"/> accepts.</summary>
    public const int CurrentVersion = 2;

    /// <summary>The value of <see cref="Format"/>: says what kind of archive this is.</summary>
    public const string FormatName = "simplestack-guest";

    /// <summary>The archive entry holding the manifest.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The archive folder holding the disks' files.</summary>
    public const string DiskFolder = "disks/";

    [JsonRequired]
    [JsonPropertyOrder(-3)]
    public string Format { get; init; } = FormatName;

    [JsonRequired]
    [JsonPropertyOrder(-2)]
    public int FormatVersion { get; init; } = CurrentVersion;

    /// <summary>The guest's UUID on the hypervisor it was exported from, when it has one.</summary>
    [JsonPropertyOrder(-1)]
    public string? Uuid { get; init; }

    /// <summary>The CPU architecture (<c>x86_64</c>, <c>aarch64</c>, ...), when known.</summary>
    public string? Arch { get; init; }
}

/// <summary>One disk of a <see cref="GuestManifest"/>.</summary>
/// <param name="Device">The device name the exporting hypervisor gave it (<c>vda</c>, <c>sdb</c>, <c>xvda</c>).</param>
/// <param name="Bus">How it is attached: <c>virtio</c>, <c>scsi</c>, <c>sata</c>, <c>ide</c>, <c>usb</c>, <c>xen</c>, ...</param>
/// <param name="Format">The file's format: <c>qcow2</c>, <c>raw</c> (later <c>vmdk</c>, <c>vhd</c>).</param>
/// <param name="SizeBytes">The disk's size as the guest sees it.</param>
/// <param name="File">The file's name in the archive, under <see cref="GuestManifest.DiskFolder"/>.</param>
/// <param name="FileBytes">The file's length in the archive.</param>
/// <param name="Sha256">The file's SHA-256, 64 hex digits.</param>
public sealed record GuestManifestDisk(string Device, string Bus, string Format, long SizeBytes, string File, long FileBytes, string Sha256);

/// <summary>One network interface of a <see cref="GuestManifest"/>.</summary>
/// <param name="Mac">Its MAC address, <c>52:54:00:12:34:56</c>.</param>
/// <param name="Network">The network it joins, as the API names it (a network or a bridge); null when none.</param>
/// <param name="Model">The emulated device (<c>virtio</c>, <c>e1000</c>, ...), when set.</param>
public sealed record GuestManifestNic(string Mac, string? Network = null, string? Model = null);

/// <summary>The hypervisor's own description of the guest, an entry of the same archive.</summary>
/// <param name="Kind">Which kind of description: <c>libvirt</c> (domain XML); later <c>xen</c>, <c>vmware</c>.</param>
/// <param name="File">Its entry name in the archive, a plain file name (<c>domain.xml</c>).</param>
public sealed record NativeDescription(string Kind, string File);

/// <summary>The words of <see cref="GuestManifest.Firmware"/>.</summary>
public static class GuestFirmware
{
    /// <summary>Legacy PC BIOS (SeaBIOS, hvmloader, ...).</summary>
    public const string Bios = "bios";

    /// <summary>UEFI (OVMF, AAVMF, ...).</summary>
    public const string Uefi = "uefi";

    /// <summary>No firmware: a container, or a paravirtualized guest the hypervisor boots directly.</summary>
    public const string None = "none";

    public static IReadOnlyList<string> All { get; } = [Bios, Uefi, None];
}
