using Simplestack.Core;
using Simplestack.Core.Transfer;

namespace Simplestack.Drivers.Libvirt.Transfer;

/// <summary>
/// The export/import archive of API.md §5: a POSIX (ustar) tar holding <c>domain.xml</c>, then
/// <c>disks/&lt;device&gt;.qcow2</c> (or <c>.img</c>) for every disk, then <c>manifest.json</c>:
/// the guest in driver-neutral words with the disks' sizes and SHA-256 (Core's
/// <see cref="GuestManifest"/>, format version 2; docs/archive-format.md). The manifest comes
/// last because its checksums are computed while the disks stream; its length is fixed in advance
/// (hex digests have a fixed width), so the whole archive's length is known before the first byte
/// is sent. Archives of format version 1 (name, uuid and disks only) still import.
/// </summary>
public static class ArchiveFormat
{
    public const int FormatVersion = GuestManifest.CurrentVersion;
    public const string DomainEntry = "domain.xml";
    public const string ManifestEntry = GuestManifest.FileName;
    public const string DiskFolder = GuestManifest.DiskFolder;
    public const int BlockSize = 512;

    /// <summary>The <see cref="NativeDescription"/> of this driver's archives: the domain XML beside the manifest.</summary>
    public static NativeDescription Native { get; } = new("libvirt", DomainEntry);

    public static string DiskEntry(string target, string format) => $"{DiskFolder}{target}.{(format == "qcow2" ? "qcow2" : "img")}";

    /// <summary>A ustar entry's bytes: one header block plus the data padded to whole blocks.</summary>
    public static long EntryLength(long dataLength) => BlockSize + ((dataLength + BlockSize - 1) / BlockSize * BlockSize);

    /// <summary>The archive's length: its entries plus the two zero blocks that end a tar.</summary>
    public static long ArchiveLength(IEnumerable<long> entryDataLengths) => entryDataLengths.Sum(EntryLength) + (2 * BlockSize);

    public static byte[] Serialize(GuestManifest manifest) => GuestManifestJson.Serialize(manifest);

    /// <summary>
    /// Reads <c>manifest.json</c> of either format version into what an import checks. A fault is
    /// an <see cref="InvalidArgumentException"/> (400).
    /// </summary>
    public static ArchiveManifest ReadManifest(ReadOnlySpan<byte> json)
    {
        if (GuestManifestJson.ReadFormatVersion(json) == LegacyManifest.Version)
        {
            var legacy = LegacyManifest.Parse(json);
            return new ArchiveManifest(LegacyManifest.Version, [.. legacy.Disks.Select(d => new ArchivedDisk(d.Target, d.Entry, d.FileBytes, d.Sha256))], Neutral: null);
        }

        var manifest = GuestManifestJson.Parse(json);
        return new ArchiveManifest(manifest.FormatVersion, [.. manifest.Disks.Select(d => new ArchivedDisk(d.Device, d.File, d.FileBytes, d.Sha256))], manifest);
    }

    /// <summary>A placeholder SHA-256 of the real width, for sizing the manifest before the digests are known.</summary>
    public static string PlaceholderDigest { get; } = new('0', 64);
}

/// <summary>What an import checks an archive's files against, from a manifest of either version.</summary>
/// <param name="Neutral">The whole manifest for version 2; null for version 1, which had only the disks.</param>
public sealed record ArchiveManifest(int FormatVersion, IReadOnlyList<ArchivedDisk> Disks, GuestManifest? Neutral);

/// <summary>One disk an archive's manifest promises: its device, file name in the archive, and the file's length and SHA-256.</summary>
public sealed record ArchivedDisk(string Device, string File, long FileBytes, string Sha256);
