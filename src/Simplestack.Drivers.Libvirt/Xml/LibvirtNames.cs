using System.Globalization;
using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Xml;

/// <summary>
/// Rules for the names of guests, networks, volumes and snapshots. Characters that are special in
/// XML (quotes, <c>&lt;</c>, <c>&amp;</c>, <c>]]&gt;</c>) are allowed: the XML writers escape them.
/// What is refused is what cannot be carried safely: empty names, control characters (newline,
/// tab, NUL included), <c>/</c> (libvirt turns names into file names), <c>.</c> and <c>..</c>.
/// </summary>
public static class LibvirtNames
{
    public const int MaxGuestNameLength = 200;
    public const int MaxNetworkNameLength = 64;
    public const int MaxVolumeNameLength = 255;
    public const int MaxSnapshotNameLength = 200;

    /// <summary>The longest name allowed for a kind (<c>guest</c>, <c>network</c>, <c>volume</c>, <c>snapshot</c>, other: 255).</summary>
    public static int MaxLength(string kind) => kind switch
    {
        "guest" or "domain" => MaxGuestNameLength,
        "network" => MaxNetworkNameLength,
        "volume" => MaxVolumeNameLength,
        "snapshot" => MaxSnapshotNameLength,
        _ => 255,
    };

    /// <summary>Throws <see cref="InvalidArgumentException"/> (400) when <paramref name="name"/> is not acceptable.</summary>
    public static void ValidateName(string kind, string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidArgumentException($"The {kind} name must not be empty.");
        }

        var max = MaxLength(kind);
        if (name.Length > max)
        {
            throw new InvalidArgumentException($"The {kind} name is {name.Length} characters long; at most {max} are allowed.");
        }

        if (name is "." or "..")
        {
            throw new InvalidArgumentException($"The {kind} name must not be '.' or '..'.");
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '/')
            {
                throw new InvalidArgumentException($"The {kind} name must not contain '/'.");
            }

            if (char.IsControl(c))
            {
                throw new InvalidArgumentException(
                    $"The {kind} name must not contain control characters (found U+{((int)c).ToString("X4", CultureInfo.InvariantCulture)} at position {i}).");
            }

            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF')
            {
                throw new InvalidArgumentException(
                    $"The {kind} name contains a character that XML cannot carry (U+{((int)c).ToString("X4", CultureInfo.InvariantCulture)} at position {i}).");
            }
        }
    }
}
