using System.Text.Json;
using System.Text.Json.Serialization;
using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Transfer;

/// <summary>
/// <c>manifest.json</c> as this driver wrote it before the driver-neutral manifest (format
/// version 1): the guest's name and UUID, and its disks with their files, sizes and SHA-256. Read
/// only, so that archives exported by earlier servers still import; their domain.xml carries the
/// rest.
/// </summary>
internal sealed record LegacyManifest(int FormatVersion, string Name, string Uuid, IReadOnlyList<LegacyDisk> Disks)
{
    public const int Version = 1;

    public static LegacyManifest Parse(ReadOnlySpan<byte> json)
    {
        LegacyManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(json, LegacyManifestJsonContext.Default.LegacyManifest);
        }
        catch (JsonException error)
        {
            throw new InvalidArgumentException($"manifest.json (format version 1) is not valid{(error.Path is { Length: > 0 } path ? $" (at {path})" : string.Empty)}.");
        }

        // Lists may hold nulls whatever the annotations say; the importer compares the rest.
        if (manifest is null || manifest.Disks.Any(d => d is null || d.FileBytes < 0))
        {
            throw new InvalidArgumentException("manifest.json (format version 1) lists a disk without its file or with a negative length.");
        }

        return manifest;
    }
}

/// <summary>A disk of a version-1 manifest: device, entry name, format, virtual size, and the entry's length and SHA-256.</summary>
internal sealed record LegacyDisk(string Target, string Entry, string Format, long CapacityBytes, long FileBytes, string Sha256);

/// <summary>The keys version 1 used (snake_case); every field required, nulls refused.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    MaxDepth = 8,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(LegacyManifest))]
internal sealed partial class LegacyManifestJsonContext : JsonSerializerContext;
