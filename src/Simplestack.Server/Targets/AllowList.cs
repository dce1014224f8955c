using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Simplestack.Server.Targets;

/// <summary>
/// Which targets the gateway may connect to (configuration <c>Simplestack:AllowedTargets</c>).
/// A target that no entry matches is refused with 403 before any connection is attempted.
/// </summary>
/// <remarks>
/// An entry is <c>hypervisor/host</c>; <c>hypervisor</c> is a registered name or alias, or <c>*</c>.
/// <c>host</c> is one of
/// <list type="bullet">
/// <item>a host name (<c>localhost</c>, <c>kvm1.lab.example</c>, the test hypervisor's <c>default</c>), compared without case;</item>
/// <item><c>*.lab.example</c>: any name ending in <c>.lab.example</c> (one label or more before it);</item>
/// <item><c>*</c>: any host;</item>
/// <item>an address (<c>10.0.0.1</c>, <c>[2001:db8::1]</c>) or a CIDR block (<c>10.0.0.0/8</c>, <c>[fd00::]/8</c>),
/// which match address literals only: names are never resolved here;</item>
/// </list>
/// followed by an optional port: without one, the entry matches only URLs without a port (the
/// transport's default); <c>:16509</c> matches that port only; <c>:*</c> matches any port or none.
/// </remarks>
public sealed class AllowList
{
    /// <summary>The entries used when the configuration names none.</summary>
    public static readonly IReadOnlyList<string> Defaults = ["test/default", "kvm/localhost", "qemu/localhost", "lxc/localhost"];

    private readonly IReadOnlyList<Entry> _entries;

    private AllowList(IReadOnlyList<Entry> entries) => _entries = entries;

    public int Count => _entries.Count;

    /// <summary>
    /// Parses the entries. <paramref name="canonicalHypervisor"/> maps an alias to its driver's
    /// name (<c>qemu</c> → <c>kvm</c>) so that an entry for either allows both URLs.
    /// </summary>
    /// <exception cref="FormatException">An entry is not valid; the message names it.</exception>
    public static AllowList Parse(IEnumerable<string> entries, Func<string, string>? canonicalHypervisor = null)
    {
        canonicalHypervisor ??= static name => name;
        var parsed = new List<Entry>();
        foreach (var raw in entries)
        {
            parsed.Add(ParseEntry(raw, canonicalHypervisor));
        }

        return new AllowList(parsed);
    }

    /// <summary>Whether <paramref name="hypervisor"/> (canonical name) at <paramref name="host"/> is allowed.</summary>
    public bool IsAllowed(string hypervisor, ParsedHost host)
    {
        foreach (var entry in _entries)
        {
            if (entry.Matches(hypervisor, host))
            {
                return true;
            }
        }

        return false;
    }

    private static Entry ParseEntry(string raw, Func<string, string> canonicalHypervisor)
    {
        var value = raw?.Trim() ?? string.Empty;
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == value.Length - 1)
        {
            throw Invalid(raw, "expected 'hypervisor/host', e.g. 'kvm/localhost' or 'kvm/10.0.0.0/8'");
        }

        var hypervisorPart = value[..slash].ToLowerInvariant();
        var hypervisor = hypervisorPart == "*" ? null : canonicalHypervisor(hypervisorPart);
        var rest = value[(slash + 1)..];

        // CIDR: address/prefix[:port]
        var cidrSlash = rest.IndexOf('/', StringComparison.Ordinal);
        if (cidrSlash >= 0)
        {
            var addressText = rest[..cidrSlash];
            var after = rest[(cidrSlash + 1)..];
            string? portText = null;
            var colon = after.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                portText = after[(colon + 1)..];
                after = after[..colon];
            }

            if (addressText.StartsWith('[') && addressText.EndsWith(']'))
            {
                addressText = addressText[1..^1];
            }

            IPAddress network;
            if (!HostParser.TryParseIPv4(addressText, out network) && !HostParser.TryParseIPv6(addressText, out network))
            {
                throw Invalid(raw, $"'{addressText}' is not an IPv4 or IPv6 address");
            }

            var maxBits = network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
            if (!int.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > maxBits)
            {
                throw Invalid(raw, $"the prefix length must be 0-{maxBits}");
            }

            if (network.AddressFamily == AddressFamily.InterNetworkV6 && portText is not null && !rest.StartsWith('['))
            {
                throw Invalid(raw, "write an IPv6 block with a port in brackets, as [fd00::]/8:16509");
            }

            return new Entry(hypervisor, HostPattern.Cidr(network, prefix), ParsePort(raw, portText));
        }

        // host[:port]
        string hostText;
        string? port = null;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Invalid(raw, "'[' without ']'");
            }

            hostText = rest[1..close];
            var tail = rest[(close + 1)..];
            if (tail.Length > 0)
            {
                if (tail[0] != ':')
                {
                    throw Invalid(raw, "unexpected characters after ']'");
                }

                port = tail[1..];
            }

            if (!HostParser.TryParseIPv6(hostText, out var v6))
            {
                throw Invalid(raw, $"'{hostText}' is not an IPv6 address");
            }

            return new Entry(hypervisor, HostPattern.Address(v6), ParsePort(raw, port));
        }

        var hostColon = rest.IndexOf(':', StringComparison.Ordinal);
        if (hostColon >= 0)
        {
            if (rest.IndexOf(':', hostColon + 1) >= 0)
            {
                throw Invalid(raw, "write IPv6 addresses in brackets");
            }

            hostText = rest[..hostColon];
            port = rest[(hostColon + 1)..];
        }
        else
        {
            hostText = rest;
        }

        var portPattern = ParsePort(raw, port);
        if (hostText == "*")
        {
            return new Entry(hypervisor, HostPattern.Any, portPattern);
        }

        if (hostText.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = hostText[2..];
            if (!HostParser.IsValidHostName(suffix))
            {
                throw Invalid(raw, $"'{suffix}' is not a valid host name suffix");
            }

            return new Entry(hypervisor, HostPattern.Suffix("." + suffix.ToLowerInvariant()), portPattern);
        }

        if (HostParser.TryParseIPv4(hostText, out var v4))
        {
            return new Entry(hypervisor, HostPattern.Address(v4), portPattern);
        }

        if (!HostParser.IsValidHostName(hostText) || HostParser.LooksNumeric(hostText))
        {
            throw Invalid(raw, $"'{hostText}' is not a host name, address, CIDR block or wildcard");
        }

        return new Entry(hypervisor, HostPattern.Name(hostText.ToLowerInvariant()), portPattern);
    }

    private static PortPattern ParsePort(string? raw, string? text)
    {
        if (text is null)
        {
            return PortPattern.None;
        }

        if (text == "*")
        {
            return PortPattern.AnyPort;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw Invalid(raw, $"'{text}' is not a port (1-65535 or *)");
        }

        return PortPattern.Exactly(port);
    }

    private static FormatException Invalid(string? raw, string reason)
        => new($"Simplestack:AllowedTargets entry '{raw}' is not valid: {reason}.");

    private sealed record Entry(string? Hypervisor, HostPattern Host, PortPattern Port)
    {
        public bool Matches(string hypervisor, ParsedHost host)
            => (Hypervisor is null || string.Equals(Hypervisor, hypervisor, StringComparison.OrdinalIgnoreCase))
               && Port.Matches(host.Port)
               && Host.Matches(host);
    }

    private sealed record PortPattern(bool Any, int? Port)
    {
        public static readonly PortPattern None = new(false, null);
        public static readonly PortPattern AnyPort = new(true, null);

        public static PortPattern Exactly(int port) => new(false, port);

        public bool Matches(int? port) => Any || port == Port;
    }

    private abstract record HostPattern
    {
        public static readonly HostPattern Any = new AnyHost();

        public static HostPattern Name(string name) => new NamePattern(name);

        public static HostPattern Suffix(string suffix) => new SuffixPattern(suffix);

        public static HostPattern Address(IPAddress address) => new CidrPattern(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);

        public static HostPattern Cidr(IPAddress network, int prefix) => new CidrPattern(network, prefix);

        public abstract bool Matches(ParsedHost host);

        private sealed record AnyHost : HostPattern
        {
            public override bool Matches(ParsedHost host) => true;
        }

        private sealed record NamePattern(string Value) : HostPattern
        {
            public override bool Matches(ParsedHost host)
                => host.Kind == HostKind.Name && string.Equals(host.Host, Value, StringComparison.OrdinalIgnoreCase);
        }

        private sealed record SuffixPattern(string Value) : HostPattern
        {
            public override bool Matches(ParsedHost host)
                => host.Kind == HostKind.Name
                   && host.Host.Length > Value.Length
                   && host.Host.EndsWith(Value, StringComparison.OrdinalIgnoreCase);
        }

        private sealed record CidrPattern(IPAddress Network, int Prefix) : HostPattern
        {
            private readonly byte[] _network = Network.GetAddressBytes();

            public override bool Matches(ParsedHost host)
            {
                if (host.Address is null || host.Address.AddressFamily != Network.AddressFamily)
                {
                    return false;
                }

                var bytes = host.Address.GetAddressBytes();
                var bits = Prefix;
                for (var i = 0; i < bytes.Length && bits > 0; i++, bits -= 8)
                {
                    var mask = bits >= 8 ? (byte)0xFF : (byte)(0xFF << (8 - bits));
                    if ((bytes[i] & mask) != (_network[i] & mask))
                    {
                        return false;
                    }
                }

                return true;
            }
        }
    }
}
