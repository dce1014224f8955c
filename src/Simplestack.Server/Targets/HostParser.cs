using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Simplestack.Server.Targets;

/// <summary>What the <c>{host}</c> part of a URL names.</summary>
public enum HostKind
{
    /// <summary>A DNS name (or a word such as the test hypervisor's <c>default</c>).</summary>
    Name,
    IPv4,
    IPv6,
}

/// <summary>
/// A parsed <c>{host}</c>: <see cref="Host"/> is normalised (lower case, IPv6 without brackets and
/// compressed) and <see cref="Address"/> is set for address literals.
/// </summary>
public sealed record ParsedHost(string Host, HostKind Kind, IPAddress? Address, int? Port)
{
    public override string ToString()
    {
        var host = Kind == HostKind.IPv6 ? $"[{Host}]" : Host;
        return Port is null ? host : $"{host}:{Port.Value.ToString(CultureInfo.InvariantCulture)}";
    }
}

/// <summary>
/// Parses the <c>{host}</c> URL segment: a host name, a dotted IPv4 address or a bracketed IPv6
/// address, each with an optional <c>:port</c>. Anything else is refused, so that nothing odd
/// (user info, paths, octal or hexadecimal IPv4 forms, zone ids) reaches a hypervisor URI.
/// </summary>
public static class HostParser
{
    private const int MaxNameLength = 253;
    private const int MaxLabelLength = 63;

    public static bool TryParse(string? value, out ParsedHost? host, out string error)
    {
        host = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "The host is empty.";
            return false;
        }

        string hostPart;
        string? portPart = null;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"The host '{value}' has an opening '[' without a closing ']'.";
                return false;
            }

            hostPart = value[1..close];
            var rest = value[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    error = $"The host '{value}' has characters after ']' that are not a ':port'.";
                    return false;
                }

                portPart = rest[1..];
            }

            if (!TryParseIPv6(hostPart, out var v6))
            {
                error = $"The host '{value}' is not a valid IPv6 address.";
                return false;
            }

            if (!TryParsePort(portPart, value, out var port6, out error))
            {
                return false;
            }

            host = new ParsedHost(v6.ToString(), HostKind.IPv6, v6, port6);
            return true;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            if (value.IndexOf(':', colon + 1) >= 0)
            {
                error = $"The host '{value}' is not valid: write IPv6 addresses in brackets, as [2001:db8::1] or [2001:db8::1]:16509.";
                return false;
            }

            hostPart = value[..colon];
            portPart = value[(colon + 1)..];
        }
        else
        {
            hostPart = value;
        }

        if (!TryParsePort(portPart, value, out var port, out error))
        {
            return false;
        }

        if (TryParseIPv4(hostPart, out var v4))
        {
            host = new ParsedHost(v4.ToString(), HostKind.IPv4, v4, port);
            return true;
        }

        if (LooksNumeric(hostPart))
        {
            error = $"The host '{value}' is not a valid IPv4 address (four decimal numbers 0-255, without leading zeros).";
            return false;
        }

        if (!IsValidHostName(hostPart))
        {
            error = $"The host '{value}' is not a valid host name, IPv4 address or [IPv6] address.";
            return false;
        }

        host = new ParsedHost(hostPart.ToLowerInvariant(), HostKind.Name, null, port);
        error = string.Empty;
        return true;
    }

    /// <summary>A strict dotted-quad: exactly four decimal parts 0-255 without leading zeros.</summary>
    public static bool TryParseIPv4(string value, out IPAddress address)
    {
        address = IPAddress.None;
        var parts = value.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var part = parts[i];
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0') || !part.All(char.IsAsciiDigit))
            {
                return false;
            }

            var number = int.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
            if (number > 255)
            {
                return false;
            }

            bytes[i] = (byte)number;
        }

        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>An IPv6 address without brackets and without a zone id.</summary>
    public static bool TryParseIPv6(string value, out IPAddress address)
    {
        address = IPAddress.None;
        if (value.Length == 0 || value.Contains('%', StringComparison.Ordinal) || !value.Contains(':', StringComparison.Ordinal)
            || !value.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.'))
        {
            return false;
        }

        if (!IPAddress.TryParse(value, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        address = parsed;
        return true;
    }

    /// <summary>RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.</summary>
    public static bool IsValidHostName(string value)
    {
        if (value.Length is 0 or > MaxNameLength)
        {
            return false;
        }

        foreach (var label in value.Split('.'))
        {
            if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// A name whose last label is all digits would be read as an IPv4 address by resolvers that
    /// accept shorthand forms (<c>127.1</c>, <c>0x7f.0.0.1</c>): refuse it rather than guess.
    /// </summary>
    internal static bool LooksNumeric(string value)
    {
        var last = value[(value.LastIndexOf('.') + 1)..];
        return last.Length > 0 && last.All(char.IsAsciiDigit);
    }

    private static bool TryParsePort(string? portPart, string value, out int? port, out string error)
    {
        port = null;
        error = string.Empty;
        if (portPart is null)
        {
            return true;
        }

        if (portPart.Length is 0 or > 5 || !portPart.All(char.IsAsciiDigit)
            || !int.TryParse(portPart, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            error = $"The host '{value}' has an invalid port (expected 1-65535).";
            return false;
        }

        port = number;
        return true;
    }
}
