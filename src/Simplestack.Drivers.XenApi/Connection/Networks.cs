using System.Text.Json.Nodes;
using Simplestack.Core;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// Networks, identified by uuid (never a session-scoped ref); the name is accepted where it is
// unique. A VLAN network is network.create plus pool.create_VLAN_from_PIF on a PIF of
// from_network, which makes the VLAN on every host of the pool.
public sealed partial class XenApiConnection
{
    public async Task<IReadOnlyList<Network>> ListNetworksAsync(CancellationToken cancellationToken)
    {
        var networksTask = Call.AllNetworks(cancellationToken);
        var pifs = await Call.AllPifs(cancellationToken);
        var networks = await networksTask;
        return [.. networks.Values.Select(n => ToNetwork(n, pifs)).OrderBy(n => n.Name, StringComparer.Ordinal)];
    }

    public async Task<Network> GetNetworkAsync(string networkId, CancellationToken cancellationToken)
    {
        var (_, network) = await FindNetworkAsync(networkId, cancellationToken);
        var pifs = await Task.WhenAll(network.Pifs.Select(p => Call.Pif(p, cancellationToken)));
        return ToNetwork(network, network.Pifs.Zip(pifs).ToDictionary(p => p.First, p => p.Second));
    }

    public async Task<Network> CreateNetworkAsync(NetworkCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        CheckName(request.Name, "network");
        if ((request.Vlan is null) != (request.FromNetwork is null))
        {
            throw new InvalidArgumentException("A Xen VLAN network takes both vlan and from_network (a network without either is a private network).");
        }

        var all = await Call.AllNetworks(cancellationToken);
        if (all.Values.Any(n => n.NameLabel == request.Name))
        {
            throw new ConflictException($"A network named '{request.Name}' exists already.");
        }

        string? trunkPif = null;
        if (request.FromNetwork is { } from)
        {
            var (_, trunk) = await FindNetworkAsync(from, cancellationToken);
            trunkPif = trunk.Pifs.FirstOrDefault()
                       ?? throw new InvalidArgumentException($"Network '{from}' has no physical interface (PIF) to carry a VLAN.");
        }

        await using var undo = new Reverter(_logger);
        var networkRef = await Call.CreateNetwork(
            new JsonObject
            {
                ["name_label"] = request.Name,
                ["name_description"] = request.Description ?? "",
                ["MTU"] = 1500,
                ["other_config"] = XenApiCalls.Map(request.OtherConfig),
                ["tags"] = new JsonArray(),
            },
            cancellationToken);
        undo.Add($"network {request.Name}", async () => await Call.DestroyNetwork(networkRef, CancellationToken.None));

        if (trunkPif is not null)
        {
            await Call.CreateVlanFromPif(trunkPif, networkRef, request.Vlan!.Value, cancellationToken);
        }

        var network = await Call.Network(networkRef, cancellationToken);
        var pifs = await Task.WhenAll(network.Pifs.Select(p => Call.Pif(p, cancellationToken)));
        undo.Commit();
        return ToNetwork(network, network.Pifs.Zip(pifs).ToDictionary(p => p.First, p => p.Second));
    }

    /// <summary>Deletes a network and the VLANs that carry it; 409 while a VM has a NIC on it.</summary>
    public async Task DeleteNetworkAsync(string networkId, CancellationToken cancellationToken)
    {
        var (networkRef, network) = await FindNetworkAsync(networkId, cancellationToken);
        if (network.Vifs.Count > 0)
        {
            throw new ConflictException($"Network '{network.NameLabel}' has {network.Vifs.Count} VM interface(s) on it.");
        }

        foreach (var pifRef in network.Pifs)
        {
            var pif = await Call.Pif(pifRef, cancellationToken);
            if (!XenRefs.IsNull(pif.VlanMasterOf))
            {
                await Call.DestroyVlan(pif.VlanMasterOf, cancellationToken);
            }
        }

        await Call.DestroyNetwork(networkRef, cancellationToken);
    }

    /// <summary>A network by uuid or (unique) name; 404 when none.</summary>
    private async Task<(string Ref, NetworkRecord Record)> FindNetworkAsync(string networkId, CancellationToken cancellationToken)
    {
        var all = await Call.AllNetworks(cancellationToken);
        var byUuid = all.FirstOrDefault(n => string.Equals(n.Value.Uuid, networkId, StringComparison.OrdinalIgnoreCase));
        if (byUuid.Value is not null)
        {
            return (byUuid.Key, byUuid.Value);
        }

        var byName = all.Where(n => n.Value.NameLabel == networkId).ToList();
        return byName.Count switch
        {
            1 => (byName[0].Key, byName[0].Value),
            0 => throw EntityNotFoundException.Of("Network", networkId),
            _ => throw new ConflictException($"{byName.Count} networks are named '{networkId}': name one by its uuid."),
        };
    }

    private static Network ToNetwork(NetworkRecord network, IReadOnlyDictionary<string, PifRecord> pifs)
    {
        var own = network.Pifs.Select(pifs.GetValueOrDefault).OfType<PifRecord>().ToList();
        var vlan = own.Select(p => p.Vlan).FirstOrDefault(v => v >= 0, -1);
        return new Network(
            Id: network.Uuid,
            Name: network.NameLabel,
            Bridge: string.IsNullOrEmpty(network.Bridge) ? null : network.Bridge,
            Description: network.NameDescription,
            Vlan: vlan >= 0 ? (int)vlan : null,
            OtherConfig: network.OtherConfig,
            Uuid: network.Uuid,
            Active: own.Count == 0 || own.Any(p => p.CurrentlyAttached),
            Persistent: true,
            Autostart: true,
            Forward: own.Count == 0 ? null : "bridge");
    }
}
