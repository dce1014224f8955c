using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere;

// NICs are the VM's ethernet cards (API.md §3, §8): id the MAC in lower case (any case is
// accepted), number the card's index among the VM's cards, network the port group's name, model
// the card type, vlan the port group's VLAN. vSphere has nothing of Xen's locking mode and allowed
// addresses: they read "network_default" and [] as on libvirt, and asking to change them is 501;
// `active` is whether a running VM's card is connected (connectable.connected), and changes it.
// Every change is one ReconfigVM_Task (hot plug on a running VM included), checked first so a bad
// body changes nothing. A manual MAC must be in VMware's range 00:50:56:00:00:00-00:50:56:3F:FF:FF
// on a real ESXi (vcsim takes any): the server's refusal answers 400.
public sealed partial class VSphereConnection : INetworkInterfaceManagement
{
    private static readonly string[] NicPaths = ["name", "config.hardware.device", "runtime.host", "runtime.powerState"];

    public async Task<IReadOnlyList<NetworkInterface>> ListNetworkInterfacesAsync(string guestId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        return await DescribeNicsAsync(vm, cancellationToken);
    }

    public async Task<NetworkInterface> GetNetworkInterfaceAsync(string guestId, string interfaceId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        return FindNic(await DescribeNicsAsync(vm, cancellationToken), interfaceId);
    }

    public async Task<NetworkInterface> CreateNetworkInterfaceAsync(string guestId, NicCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var model = CheckModel(request.Model);
        var mac = CheckMac(request.Mac);
        var vm = await FindVmAsync(guestId, cancellationToken);
        var target = PortGroups.Target(await ReadPortGroupsAsync([], cancellationToken), request.Network);
        var (name, cards, _, _) = await ReadNicsAsync(vm, cancellationToken);
        if (mac is not null && cards.Any(c => MacOf(c) == mac))
        {
            throw new ConflictException($"Guest '{name}' already has a NIC with MAC {mac}.");
        }

        await RunTaskAsync("ReconfigVM_Task", vm, cancellationToken, E("spec", NicSpecs.Add(new NewNic(target, model, mac), -1)));
        var keys = cards.Select(c => c.ChildValue("key")).ToHashSet();
        var (_, after, host, running) = await ReadNicsAsync(vm, cancellationToken);
        var added = after.FirstOrDefault(c => !keys.Contains(c.ChildValue("key")))
                    ?? throw new HypervisorErrorException("The vSphere server accepted the new NIC but the VM does not have it.");
        var nic = DescribeNic(added, after.IndexOf(added), await ReadPortGroupsAsync(await HostNetworksOfAsync(host, cancellationToken), cancellationToken), running);
        await RecordCreatedAsync(vm, CreatedKind.NetworkInterface, nic.Id, cancellationToken); // Its MAC, the id, is known only now.
        return nic;
    }

    /// <summary>
    /// A network change moves the card (its backing edited, live on a running VM); <c>active</c>
    /// connects or disconnects a running VM's card (409 otherwise); both are one edit. The keys
    /// vSphere cannot do are 501 before anything changes.
    /// </summary>
    public async Task<NetworkInterface> UpdateNetworkInterfaceAsync(string guestId, string interfaceId, NicUpdateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var vm = await FindVmAsync(guestId, cancellationToken);
        var (name, cards, _, running) = await ReadNicsAsync(vm, cancellationToken);
        var card = FindCard(cards, interfaceId); // An unknown NIC is 404 whatever the body asks.
        var distributed = card.Child("backing")?.XsiType() == "VirtualEthernetCardDistributedVirtualPortBackingInfo";
        RefuseNicKeys(request, distributed);
        if (request.Active is not null && !running)
        {
            throw new ConflictException($"Guest '{name}' is not running: a NIC is connected or disconnected (active) on a running guest.");
        }

        var target = request.Network is { } network ? PortGroups.Target(await ReadPortGroupsAsync([], cancellationToken), network) : null;
        var move = target is not null && !IsOn(card, target);
        var plug = request.Active is { } active && active != IsConnected(card) ? active : (bool?)null;
        if (move || plug is not null)
        {
            await RunTaskAsync("ReconfigVM_Task", vm, cancellationToken, E("spec", NicSpecs.Edit(card, move ? target : null, plug)));
        }

        return FindNic(await DescribeNicsAsync(vm, cancellationToken), MacOf(card));
    }

    public async Task DeleteNetworkInterfaceAsync(string guestId, string interfaceId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        var (_, cards, _, _) = await ReadNicsAsync(vm, cancellationToken);
        var card = FindCard(cards, interfaceId);
        await RunTaskAsync("ReconfigVM_Task", vm, cancellationToken, E("spec", NicSpecs.Remove(card)));
    }

    /// <summary>The model asked for (vmxnet3 when none); 400 for a word vSphere has no card for.</summary>
    private static string CheckModel(string? model, string field = "model")
        => model is null ? NicSpecs.DefaultModel
            : NicSpecs.Models.ContainsKey(model) ? model
            : throw new InvalidArgumentException($"{field} '{model}' is not a vSphere card type: use one of {string.Join(", ", NicSpecs.Models.Keys)}.");

    /// <summary>A MAC given in a body, in lower case; 400 unless it is six hex pairs separated by ':' and unicast.</summary>
    private static string? CheckMac(string? mac, string field = "mac")
    {
        if (mac is null)
        {
            return null;
        }

        var lower = mac.ToLowerInvariant();
        return MacAddress().IsMatch(lower) && (Convert.ToByte(lower[..2], 16) & 1) == 0
            ? lower
            : throw new InvalidArgumentException($"{field} '{mac}' is not a unicast MAC address (six hex pairs separated by ':').");
    }

    private static void RefuseNicKeys(NicUpdateRequest request, bool distributed)
    {
        if (request.RateLimitBitsPerSecond is not null || request.RemoveRateLimit)
        {
            throw distributed
                ? new FeatureNotImplementedException("The vmware driver does not set a rate limit on a distributed port yet (its traffic shaping); nothing was changed.")
                : new FeatureNotAvailableException("A NIC on a standard vSwitch has no rate limit of its own in vSphere (traffic shaping is the port group's); nothing was changed.");
        }

        var keys = new (bool Given, string Key)[]
        {
            (request.LockingMode is not null, "locking_mode"), (request.Ipv4Allowed is not null, "ipv4_allowed"),
            (request.Ipv6Allowed is not null, "ipv6_allowed"), (request.Model is not null, "model (a card's type is fixed: delete it and add another)"),
        }.Where(k => k.Given).Select(k => k.Key).ToList();
        if (keys.Count > 0)
        {
            throw new FeatureNotAvailableException($"vSphere has no meaning for {string.Join(", ", keys)} on a network interface: nothing was changed.");
        }
    }

    /// <summary>The VM's name, its ethernet cards ordered by device key (the order vSphere adds them in), its host, and whether it runs.</summary>
    private async Task<(string Name, List<XElement> Cards, MoRef? Host, bool Running)> ReadNicsAsync(MoRef vm, CancellationToken cancellationToken)
    {
        var content = await _collector.RetrieveOneAsync(vm, NicPaths, cancellationToken);
        var cards = GuestMapping.Devices(content.Val("config.hardware.device")).Where(NicSpecs.IsNic)
            .OrderBy(c => int.TryParse(c.ChildValue("key"), CultureInfo.InvariantCulture, out var key) ? key : int.MaxValue)
            .ToList();
        return (content.Text("name") ?? vm.Value, cards, content.Val("runtime.host") is { } host ? MoRef.From(host) : null, content.Text("runtime.powerState") == "poweredOn");
    }

    /// <summary>The VM's NICs; VLANs of standard port groups come from the VM's own host.</summary>
    private async Task<List<NetworkInterface>> DescribeNicsAsync(MoRef vm, CancellationToken cancellationToken)
    {
        var (_, cards, host, running) = await ReadNicsAsync(vm, cancellationToken);
        var portGroups = await ReadPortGroupsAsync(await HostNetworksOfAsync(host, cancellationToken), cancellationToken);
        return [.. cards.Select((card, number) => DescribeNic(card, number, portGroups, running))];
    }

    private async Task<List<HostNetwork>> HostNetworksOfAsync(MoRef? host, CancellationToken cancellationToken)
        => host is null ? [] : await ReadHostNetworksAsync(host, cancellationToken);

    /// <summary>A card in the API's words; <c>active</c> (whether it is connected now) only for a running VM's.</summary>
    private static NetworkInterface DescribeNic(XElement card, int number, IReadOnlyList<PortGroup> portGroups, bool running)
    {
        var portGroup = portGroups.FirstOrDefault(p => IsOn(card, p.Target));
        var mac = MacOf(card);
        return new NetworkInterface(
            Id: mac,
            Number: number,
            Mac: mac,
            Network: portGroup?.Name ?? card.Child("backing")?.ChildValue("deviceName"),
            LockingMode: NicLockingModes.NetworkDefault,
            Ipv4Allowed: [],
            Ipv6Allowed: [],
            RateLimit: null,
            Model: NicSpecs.ModelOf(card),
            Vlan: portGroup?.Vlan) { Active = running ? IsConnected(card) : null };
    }

    private static bool IsConnected(XElement card) => card.Child("connectable")?.ChildValue("connected") == "true";

    private static string MacOf(XElement card) => (card.ChildValue("macAddress") ?? "").ToLowerInvariant();

    private static XElement FindCard(IEnumerable<XElement> cards, string interfaceId)
        => cards.FirstOrDefault(c => string.Equals(MacOf(c), interfaceId, StringComparison.OrdinalIgnoreCase))
           ?? throw EntityNotFoundException.Of("network interface", interfaceId);

    private static NetworkInterface FindNic(IEnumerable<NetworkInterface> nics, string interfaceId)
        => nics.FirstOrDefault(n => string.Equals(n.Mac, interfaceId, StringComparison.OrdinalIgnoreCase))
           ?? throw EntityNotFoundException.Of("network interface", interfaceId);

    [GeneratedRegex("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", RegexOptions.CultureInvariant)]
    private static partial Regex MacAddress();
}
