using System.Security.Cryptography;
using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt;

/// <summary>MAC addresses for new NICs: QEMU's locally administered 52:54:00 prefix, as libvirt generates.</summary>
public static class MacAddresses
{
    public static string Generate()
    {
        Span<byte> tail = stackalloc byte[3];
        RandomNumberGenerator.Fill(tail);
        return $"52:54:00:{tail[0]:x2}:{tail[1]:x2}:{tail[2]:x2}";
    }

    /// <summary>Lower-case colon form, or a 400 for anything that is not a unicast MAC address.</summary>
    public static string Normalise(string mac)
    {
        var parts = mac.Trim().Replace('-', ':').Split(':');
        if (parts.Length != 6 || parts.Any(p => p.Length != 2 || !p.All(char.IsAsciiHexDigit)))
        {
            throw new InvalidArgumentException($"'{mac}' is not a MAC address (expected six hex pairs like 52:54:00:12:34:56).");
        }

        var normalised = string.Join(':', parts).ToLowerInvariant();
        if ((Convert.ToByte(parts[0], 16) & 1) == 1)
        {
            throw new InvalidArgumentException($"'{mac}' is a multicast MAC address; a NIC needs a unicast one.");
        }

        return normalised;
    }
}
