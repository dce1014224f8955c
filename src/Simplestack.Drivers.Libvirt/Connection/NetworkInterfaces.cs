using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Core.Work;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// NICs, and the one way every device changes: a stopped guest's by redefining its persistent XML
// (which every libvirt driver supports), a running guest's live and in its definition.
public abstract partial class LibvirtHypervisorConnection
{
    private protected string ChangeDevice(LibvirtDomain domain, Func<string, string> editDefinition, Action<DomainModificationImpact> liveChange)
    {
        if (domain.IsActive)
        {
            liveChange(domain.IsPersistent ? DomainModificationImpact.Live | DomainModificationImpact.Config : DomainModificationImpact.Live);
            GuestTouched(domain.Uuid);
            return Applied.Live;
        }

        var definition = domain.GetXmlDesc(DomainXmlFlags.Inactive | DomainXmlFlags.Secure);
        Native.DefineDomain(editDefinition(definition)).Dispose();
        GuestTouched(domain.Uuid);
        return Applied.NextBoot;
    }

    public Task<IReadOnlyList<NetworkInterface>> ListNetworkInterfacesAsync(string guestId, CancellationToken cancellationToken) => _calls.RunAsync<IReadOnlyList<NetworkInterface>>(() =>
    {
        using var domain = FindDomain(guestId);
        return [.. DomainDescription.Parse(domain.GetXmlDesc()).Interfaces.Select(DescribeInterface)];
    }, cancellationToken);

    public Task<NetworkInterface> GetNetworkInterfaceAsync(string guestId, string interfaceId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var (nic, number) = FindInterface(domain, interfaceId);
        return DescribeInterface(nic, number);
    }, cancellationToken);

    public Task<NetworkInterface> CreateNetworkInterfaceAsync(string guestId, NicCreateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var nic = InterfaceFor(new NicSpec(request.Network, request.Mac, request.Model));
        if (DomainDescription.Parse(domain.GetXmlDesc(DomainXmlFlags.Inactive)).Interfaces.Any(i => i.Mac == nic.Mac))
        {
            throw new ConflictException($"The guest already has a NIC with MAC {nic.Mac}.");
        }

        ChangeDevice(domain, xml => DomainXml.WithInterface(xml, nic), impact => domain.AttachDevice(DomainXml.BuildInterface(nic), impact));
        using var refreshed = FindDomain(domain.Uuid);
        var (parsed, number) = FindInterface(refreshed, nic.Mac!);
        var added = DescribeInterface(parsed, number);
        RecordMadeOn(refreshed, CreatedKind.NetworkInterface, added.Id);
        return added;
    }, cancellationToken);

    public Task<NetworkInterface> UpdateNetworkInterfaceAsync(string guestId, string interfaceId, NicUpdateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        request.Validate();
        using var domain = FindDomain(guestId);
        var (nic, _) = FindInterface(domain, interfaceId); // An unknown NIC is 404 whatever the body asks.
        RefuseNicKeysWithoutMeaning(request);
        if (request.Network is { } network)
        {
            LibvirtNames.ValidateName("network", network);
            using var exists = Native.TryLookupNetworkByName(network) ?? throw new InvalidArgumentException($"Network '{network}' does not exist.");
        }

        long? kBps = request.RateLimitBitsPerSecond is { } bits ? Math.Max(1, bits / 8192) : null;
        var current = InterfaceDefinitionOf(nic);
        var changed = (request.Network is { } newNetwork
                ? new InterfaceDefinition("network", newNetwork) { Mac = current.Mac, Model = current.Model }
                : current) with
        {
            Model = request.Model ?? current.Model,
            RateLimitKiloBytesPerSecond = request.RemoveRateLimit ? null : kBps ?? current.RateLimitKiloBytesPerSecond,
        };
        ChangeDevice(
            domain,
            xml => DomainXml.WithInterfaceChanges(xml, nic.Mac, request.Network, kBps, request.RemoveRateLimit, request.Model),
            impact => domain.UpdateDevice(DomainXml.BuildInterface(changed), impact));
        using var refreshed = FindDomain(domain.Uuid);
        var (parsed, number) = FindInterface(refreshed, nic.Mac);
        return DescribeInterface(parsed, number);
    }, cancellationToken);

    public Task DeleteNetworkInterfaceAsync(string guestId, string interfaceId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        var (nic, _) = FindInterface(domain, interfaceId);
        ChangeDevice(domain, xml => DomainXml.WithoutInterface(xml, nic.Mac), impact => domain.DetachDevice(DomainXml.BuildInterface(InterfaceDefinitionOf(nic)), impact));
    }, cancellationToken);

    /// <summary>
    /// 501 naming each key libvirt has no meaning for here, before anything changes: XenServer's
    /// port locking and allowed addresses (libvirt's nwfilters are another model), and plugging a
    /// NIC in and out of a running guest.
    /// </summary>
    private static void RefuseNicKeysWithoutMeaning(NicUpdateRequest request)
    {
        var keys = new (bool Given, string Key)[]
        {
            (request.LockingMode is not null, "locking_mode"),
            (request.Ipv4Allowed is not null, "ipv4_allowed"),
            (request.Ipv6Allowed is not null, "ipv6_allowed"),
            (request.Active is not null, "active"),
        };
        var given = keys.Where(k => k.Given).Select(k => k.Key).ToList();
        if (given.Count > 0)
        {
            throw new FeatureNotAvailableException($"libvirt has no meaning for {string.Join(", ", given)} on a network interface: nothing was changed.");
        }
    }

    private static (ParsedInterface Nic, int Number) FindInterface(LibvirtDomain domain, string interfaceId)
    {
        var nics = DomainDescription.Parse(domain.GetXmlDesc()).Interfaces.ToList();
        var wanted = interfaceId.Replace('-', ':').ToLowerInvariant();
        var index = nics.FindIndex(n => string.Equals(n.Mac, wanted, StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? (nics[index], index) : throw EntityNotFoundException.Of("network interface", interfaceId);
    }

    private static InterfaceDefinition InterfaceDefinitionOf(ParsedInterface nic)
        => new(nic.Network is not null ? "network" : "bridge", nic.Network ?? nic.Bridge ?? string.Empty)
        {
            Mac = nic.Mac,
            Model = nic.Model,
            OpenvSwitch = nic.VirtualPortType == "openvswitch",
            Vlan = nic.Vlan,
            RateLimitKiloBytesPerSecond = nic.InboundAverageKBps,
            PortGroup = nic.PortGroup,
        };

    private static NetworkInterface DescribeInterface(ParsedInterface nic, int number)
        => new(
            Id: nic.Mac,
            Number: number,
            Mac: nic.Mac,
            Network: nic.Network ?? nic.Bridge,
            LockingMode: nic.FilterRef is "clean-traffic" or "no-ip-spoofing" ? "locked" : "network_default",
            Ipv4Allowed: [],
            Ipv6Allowed: [],
            // libvirt counts KiB/s; the original API reads back kilobits per second.
            RateLimit: nic.InboundAverageKBps is { } kBps ? new RateLimit((kBps * 8192 / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)) : null,
            Model: nic.Model,
            Vlan: nic.Vlan);
}
