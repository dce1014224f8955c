using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Simplestack.Core.Transfer;

/// <summary>
/// What a valid <see cref="GuestManifest"/> holds. An archive comes from outside: every number is
/// bounded, every word is from a small alphabet, and every file name is a plain name in its
/// folder (no <c>..</c>, no absolute path), so nothing read from a manifest can point outside the
/// archive or overflow an allocation.
/// </summary>
public static class GuestManifestRules
{
    public const int MaxCpus = 4096;

    /// <summary>1 PiB: far above any host, far below an overflow when converted to bytes.</summary>
    public const long MaxMemoryMib = 1L << 30;

    /// <summary>1 EiB: far above any disk, far below <see cref="long.MaxValue"/>.</summary>
    public const long MaxBytes = 1L << 60;

    public const int MaxItems = 1024;

    public const int MaxTextLength = 255;

    /// <summary>Checks a manifest; the first fault is an <see cref="InvalidArgumentException"/> naming the field.</summary>
    public static void Validate(GuestManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        Require(manifest.Format == GuestManifest.FormatName, "format", $"must be \"{GuestManifest.FormatName}\"");
        Require(manifest.FormatVersion == GuestManifest.CurrentVersion, "format_version", $"must be {GuestManifest.CurrentVersion}");
        RequireText(manifest.Name, "name");
        Require(manifest.Uuid is null || Guid.TryParse(manifest.Uuid, out _), "uuid", "is not a UUID");
        Require(manifest.Cpus is >= 1 and <= MaxCpus, "cpus", $"must be between 1 and {MaxCpus}");
        Require(manifest.MemoryMib is >= 1 and <= MaxMemoryMib, "memory_mib", $"must be between 1 and {MaxMemoryMib}");
        Require(GuestFirmware.All.Contains(manifest.Firmware), "firmware", $"must be one of {string.Join(", ", GuestFirmware.All)}");
        Require(manifest.Arch is null || IsWord(manifest.Arch, allowDash: false), "arch", "is not an architecture name");

        Require(manifest.Disks.Count <= MaxItems, "disks", $"has more than {MaxItems} entries");
        for (var i = 0; i < manifest.Disks.Count; i++)
        {
            // The serializer refuses null fields but not null list items.
            Require(manifest.Disks[i] is not null, $"disks[{i}]", "is null");
            ValidateDisk(manifest.Disks[i], $"disks[{i}]");
        }

        Require(manifest.Disks.Select(d => d.Device).Distinct(StringComparer.Ordinal).Count() == manifest.Disks.Count, "disks", "names a device twice");
        Require(manifest.Disks.Select(d => d.File).Distinct(StringComparer.Ordinal).Count() == manifest.Disks.Count, "disks", "names a file twice");

        Require(manifest.Nics.Count <= MaxItems, "nics", $"has more than {MaxItems} entries");
        for (var i = 0; i < manifest.Nics.Count; i++)
        {
            var nic = manifest.Nics[i];
            Require(nic is not null, $"nics[{i}]", "is null");
            Require(IsMac(nic.Mac), $"nics[{i}].mac", "is not a MAC address (six hex pairs separated by ':')");
            Require(nic.Network is null || IsText(nic.Network), $"nics[{i}].network", $"must be 1 to {MaxTextLength} printable characters");
            Require(nic.Model is null || IsWord(nic.Model, allowDash: true), $"nics[{i}].model", "is not a device model name");
        }

        Require(manifest.Nics.Select(n => n.Mac.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Count() == manifest.Nics.Count, "nics", "names a MAC address twice");

        Require(manifest.Tags.Count <= MaxItems, "tags", $"has more than {MaxItems} entries");
        for (var i = 0; i < manifest.Tags.Count; i++)
        {
            RequireText(manifest.Tags[i], $"tags[{i}]");
        }

        Require(IsWord(manifest.Native.Kind, allowDash: false), "native.kind", "is not a description kind");
        Require(IsPlainFileName(manifest.Native.File) && manifest.Native.File != GuestManifest.FileName, "native.file", "must be a plain file name beside manifest.json");
    }

    /// <summary>
    /// Whether <paramref name="file"/> is a disk file name an archive may hold: <c>disks/</c> and
    /// then a plain file name.
    /// </summary>
    public static bool IsDiskFile(string? file)
        => file is not null && file.StartsWith(GuestManifest.DiskFolder, StringComparison.Ordinal)
            && IsPlainFileName(file[GuestManifest.DiskFolder.Length..]);

    /// <summary>A name of letters, digits, '.', '_' and '-', not starting with '.', at most 100 characters (a ustar name).</summary>
    public static bool IsPlainFileName(string? name)
        => name is { Length: > 0 and <= 100 } && name[0] != '.'
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static void ValidateDisk(GuestManifestDisk disk, string at)
    {
        Require(disk.Device is { Length: > 0 and <= 32 } && disk.Device.All(char.IsAsciiLetterOrDigit), $"{at}.device", "must be 1 to 32 letters and digits");
        Require(IsWord(disk.Bus, allowDash: true), $"{at}.bus", "is not a bus name");
        Require(IsWord(disk.Format, allowDash: false), $"{at}.format", "is not a disk format name");
        Require(disk.SizeBytes is >= 0 and <= MaxBytes, $"{at}.size_bytes", $"must be between 0 and {MaxBytes}");
        Require(IsDiskFile(disk.File), $"{at}.file", $"must be a plain file name under {GuestManifest.DiskFolder}");
        Require(disk.FileBytes is >= 0 and <= MaxBytes, $"{at}.file_bytes", $"must be between 0 and {MaxBytes}");
        Require(disk.Sha256 is { Length: 64 } && disk.Sha256.All(char.IsAsciiHexDigit), $"{at}.sha256", "must be 64 hex digits");
    }

    private static bool IsWord(string? word, bool allowDash)
        => word is { Length: > 0 and <= 32 } && word.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_' || (allowDash && c == '-'));

    private static bool IsMac(string? mac)
        => mac is { Length: 17 } && mac.Select((c, i) => i % 3 == 2 ? c == ':' : char.IsAsciiHexDigit(c)).All(ok => ok);

    private static bool IsText(string? text) => text is { Length: > 0 and <= MaxTextLength } && !text.Any(char.IsControl);

    private static void RequireText(string? text, string field)
        => Require(IsText(text), field, $"must be 1 to {MaxTextLength} printable characters");

    private static void Require([DoesNotReturnIf(false)] bool condition, string field, string rule)
    {
        if (!condition)
        {
            throw new InvalidArgumentException(string.Create(CultureInfo.InvariantCulture, $"manifest.json: {field} {rule}."));
        }
    }
}
