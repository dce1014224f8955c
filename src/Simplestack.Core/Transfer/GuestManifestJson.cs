using System.Text.Json;
using System.Text.Json.Serialization;

namespace Simplestack.Core.Transfer;

/// <summary>
/// Writes and reads <see cref="GuestManifest"/> as JSON (snake_case keys, indented). Reading
/// accepts only <see cref="GuestManifest.CurrentVersion"/> and validates every field
/// (<see cref="GuestManifestRules"/>); any fault is an <see cref="InvalidArgumentException"/>
/// (400) that says where, never a .NET type name.
/// </summary>
public static class GuestManifestJson
{
    /// <summary>Deep enough for the manifest's shape (object → list → object), shallow enough to stop hostile nesting early.</summary>
    private const int MaxDepth = 8;

    public static byte[] Serialize(GuestManifest manifest)
        => JsonSerializer.SerializeToUtf8Bytes(manifest, GuestManifestJsonContext.Default.GuestManifest);

    /// <summary>Parses and validates a version-2 manifest.</summary>
    public static GuestManifest Parse(ReadOnlySpan<byte> json)
    {
        var version = ReadFormatVersion(json);
        if (version != GuestManifest.CurrentVersion)
        {
            throw new InvalidArgumentException(
                $"manifest.json has format version {version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}; this reader takes version {GuestManifest.CurrentVersion}.");
        }

        GuestManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(json, GuestManifestJsonContext.Default.GuestManifest);
        }
        catch (JsonException error)
        {
            throw Invalid(error);
        }

        GuestManifestRules.Validate(manifest ?? throw new InvalidArgumentException("manifest.json is null."));
        return manifest;
    }

    /// <summary>
    /// The top-level <c>format_version</c> of a manifest of any version, or null when it has none;
    /// lets a reader pick the parser for an older format before parsing.
    /// </summary>
    public static int? ReadFormatVersion(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InvalidArgumentException("manifest.json is not a JSON object.");
            }

            int? version = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isVersion = reader.ValueTextEquals("format_version"u8);
                reader.Read();
                if (isVersion)
                {
                    version = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number)
                        ? number
                        : throw new InvalidArgumentException("manifest.json's format_version is not a whole number.");
                }
                else
                {
                    reader.Skip();
                }
            }

            return version;
        }
        catch (JsonException error)
        {
            throw Invalid(error);
        }
    }

    private static InvalidArgumentException Invalid(JsonException error)
        => new($"manifest.json is not a valid guest manifest{(error.Path is { Length: > 0 } path ? $" (at {path})" : string.Empty)}.");
}

/// <summary>
/// Source-generated (no reflection, trimming-safe). Every constructor parameter is required and a
/// null where the record says non-null is refused; unknown keys are ignored, so a later version
/// may add optional fields that this one skips.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    MaxDepth = 8,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(GuestManifest))]
internal sealed partial class GuestManifestJsonContext : JsonSerializerContext;
