using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Networks. A create with from_network makes an Open vSwitch backed network on that bridge with
// the VLAN tag (the staging agent's and the original's VLAN networks); without it, an isolated
// network. Networks are persistent: defined, started and autostarted.
public abstract partial class LibvirtHypervisorConnection
{
    public Task<IReadOnlyList<Network>> ListNetworksAsync(CancellationToken cancellationToken) => _calls.RunAsync<IReadOnlyList<Network>>(() =>
    {
        var networks = Native.ListAllNetworks();
        try
        {
            return [.. networks.Select(DescribeNetwork).OrderBy(n => n.Name, StringComparer.Ordinal)];
        }
        finally
        {
            foreach (var network in networks)
            {
                network.Dispose();
            }
        }
    }, cancellationToken);

    public Task<Network> GetNetworkAsync(string networkId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var network = FindNetwork(networkId);
        return DescribeNetwork(network);
    }, cancellationToken);

    public Task<Network> CreateNetworkAsync(NetworkCreateRequest request, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        request.Validate();
        LibvirtNames.ValidateName("network", request.Name);

        if (request.Vlan is not null && string.IsNullOrEmpty(request.FromNetwork))
        {
            throw new InvalidArgumentException("A VLAN network needs from_network: the Open vSwitch bridge that carries it.");
        }

        if (request.FromNetwork is { } bridge)
        {
            ValidateBridgeName(bridge);
        }

        using (var existing = Native.TryLookupNetworkByName(request.Name))
        {
            if (existing is not null)
            {
                throw new ConflictException($"A network named '{request.Name}' already exists.");
            }
        }

        var definition = new NetworkDefinition(request.Name, request.FromNetwork is null ? "isolated" : "bridge")
        {
            Bridge = request.FromNetwork,
            OpenvSwitch = request.FromNetwork is not null,
            Vlan = request.Vlan,
            Description = request.Description,
            OtherConfig = request.OtherConfig ?? new Dictionary<string, string>(),
        };

        using var undo = NewUndo();
        using var network = Native.DefineNetwork(NetworkXml.Build(definition));
        var name = network.Name;
        undo.Add($"network {name}", () =>
        {
            using var defined = Native.TryLookupNetworkByName(name);
            if (defined is null)
            {
                return;
            }

            if (defined.IsActive)
            {
                defined.Destroy();
            }

            defined.Undefine();
        });
        network.Start();
        network.Autostart = true;
        var created = DescribeNetwork(network);
        undo.Commit();
        return created;
    }, cancellationToken);

    public Task DeleteNetworkAsync(string networkId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var network = FindNetwork(networkId);
        if (network.IsActive)
        {
            network.Destroy();
        }

        if (network.IsPersistent)
        {
            network.Undefine();
        }
    }, cancellationToken);

    private static Network DescribeNetwork(LibvirtNetwork network)
    {
        var description = NetworkDescription.Parse(network.GetXmlDesc());
        var active = network.IsActive;
        return new Network(
            Id: description.Name,
            Name: description.Name,
            Bridge: description.Bridge ?? (active ? network.BridgeName : null),
            Description: description.Description ?? string.Empty,
            Vlan: description.Vlan,
            OtherConfig: description.OtherConfig,
            Uuid: description.Uuid.ToString(),
            Active: active,
            Persistent: network.IsPersistent,
            Autostart: network.Autostart,
            Forward: description.Forward);
    }

    /// <summary>Linux interface names: 1-15 characters, no '/', whitespace or ':'.</summary>
    private static void ValidateBridgeName(string bridge)
    {
        if (bridge.Length is 0 or > 15 || bridge.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c)) || bridge is "." or "..")
        {
            throw new InvalidArgumentException($"from_network '{bridge}' is not a valid bridge name (1-15 characters, no '/', ':' or spaces).");
        }
    }
}
