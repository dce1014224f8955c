namespace Simplestack.Drivers.Libvirt;

/// <summary>Device names for new disks (<c>vda</c>, <c>sdb</c>, <c>hdc</c>, ... <c>vdaa</c>), as libvirt names them.</summary>
public static class DiskTargets
{
    public static string Prefix(string bus) => bus switch
    {
        "virtio" => "vd",
        "ide" => "hd",
        _ => "sd",
    };

    public static string Next(string bus, IEnumerable<string> taken)
    {
        var prefix = Prefix(bus);
        var used = taken.ToHashSet(StringComparer.Ordinal);
        for (var index = 0; index < 26 * 27; index++)
        {
            var candidate = prefix + Suffix(index);
            if (!used.Contains(candidate))
            {
                return candidate;
            }
        }

        throw new Simplestack.Core.ConflictException($"No free device name is left on the {bus} bus.");
    }

    /// <summary>0 → a, 25 → z, 26 → aa (libvirt's virDiskNameToIndex in reverse).</summary>
    public static string Suffix(int index)
    {
        var letters = string.Empty;
        for (index++; index > 0; index = (index - 1) / 26)
        {
            letters = (char)('a' + ((index - 1) % 26)) + letters;
        }

        return letters;
    }
}
