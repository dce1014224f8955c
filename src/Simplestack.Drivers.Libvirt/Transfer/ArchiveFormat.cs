using System.Text.Json;
using System.Text.Json.Serialization;

namespace Simplestack.Drivers.Libvirt.Transfer;

/// <summary>
/// The export/import archive of API.md §5: a POSIX (ustar) tar holding <c>domain.xml</c>, then
/// <c>disks/&lt;device&gt;.qcow2</c> for every disk, then <c>manifest.json</c> (format version,
/// guest name, disks with sizes and SHA-256). The manifest comes last because its checksums are
/// computed while the disks stream; its length is fixed in advance (hex digests have a fixed
/// width), so the whole archive's length is known before the first byte is sent.
/// </summary>
public static class ArchiveFormat
{
    public const int FormatVersion = 1;
    public const string DomainEntry = "domain.xml";
    public const string ManifestEntry = "manifest.json";
    public const string DiskFolder = "disks/";
    public const int BlockSize = 512;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public static string DiskEntry(string target, string format) => $"{DiskFolder}{target}.{(format == "qcow2" ? "qcow2" : "img")}";

    /// <summary>A ustar entry's bytes: one header block plus the data padded to whole blocks.</summary>
    public static long EntryLength(long dataLength) => BlockSize + ((dataLength + BlockSize - 1) / BlockSize * BlockSize);

    /// <summary>The archive's length: its entries plus the two zero blocks that end a tar.</summary>
    public static long ArchiveLength(IEnumerable<long> entryDataLengths) => entryDataLengths.Sum(EntryLength) + (2 * BlockSize);

    public static byte[] Serialize(ArchiveManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, Json);

    public static ArchiveManifest Deserialize(ReadOnlySpan<byte> json)
        => JsonSerializer.Deserialize<ArchiveManifest>(json, Json) ?? throw new JsonException("The manifest is empty.");

    /// <summary>A placeholder SHA-256 of the real width, for sizing the manifest before the digests are known.</summary>
    public static string PlaceholderDigest { get; } = new('0', 64);
}

public sealed record ArchiveManifest(
    int FormatVersion,
    string Name,
    string Uuid,
    IReadOnlyList<ArchiveDisk> Disks)
{
    [JsonPropertyName("format")]
    public string Format { get; init; } = "simplestack-guest";
}

/// <summary>One disk of an archive: its device, file name in the archive, format, virtual size and the file's length and SHA-256.</summary>
public sealed record ArchiveDisk(string Target, string Entry, string Format, long CapacityBytes, long FileBytes, string Sha256);
