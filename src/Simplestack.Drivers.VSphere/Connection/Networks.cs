using System.Globalization;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere;

// Networks are port groups (API.md §8): id the port group's name (its managed object id, the
// network's uuid, is accepted). A new network is a standard port group with the VLAN asked for,
// added by AddPortGroup on every host that has from_network's vSwitch, so VMs find it wherever
// they run; deleting it removes it from each host again. from_network naming a distributed switch
// (or a port group of one) makes a distributed port group instead (AddDVPortgroup_Task; deleted
// with Destroy_Task). Port groups keep no description or other settings here: those fields read
// "" and {} and are refused at create (501).
public sealed partial class VSphereConnection : INetworkManagement
{
    public async Task<IReadOnlyList<Network>> ListNetworksAsync(CancellationToken cancellationToken)
        => [.. (await ReadPortGroupsAsync(await ReadHostNetworksAsync(null, cancellationToken), cancellationToken)).Select(p => p.ToNetwork())];

    public async Task<Network> GetNetworkAsync(string networkId, CancellationToken cancellationToken)
    {
        var portGroups = await ReadPortGroupsAsync(await ReadHostNetworksAsync(null, cancellationToken), cancellationToken);
        return (PortGroups.Find(portGroups, networkId) ?? throw EntityNotFoundException.Of("Network", networkId)).ToNetwork();
    }

    public async Task<Network> CreateNetworkAsync(NetworkCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        CheckPortGroupName(request.Name);
        var from = request.FromNetwork
                   ?? throw new InvalidArgumentException("A vmware network is a port group on a virtual switch: name the switch, or a port group on it, in from_network.");
        if (!string.IsNullOrEmpty(request.Description) || request.OtherConfig is { Count: > 0 })
        {
            throw new FeatureNotAvailableException("vSphere port groups have no description or other_config: create the network without them.");
        }

        var hosts = await ReadHostNetworksAsync(null, cancellationToken);
        var inventory = await _collector.RetrieveAllAsync(PortGroups.Paths, cancellationToken);
        var portGroups = PortGroups.From(inventory, hosts);
        if (PortGroups.Find(portGroups, request.Name) is not null || hosts.Any(h => h.Spec(request.Name) is not null))
        {
            throw new ConflictException($"A network (port group) named '{request.Name}' exists already.");
        }

        var (switchName, distributedSwitch) = SwitchOf(from, hosts, portGroups, inventory);
        if (distributedSwitch is { } dvs)
        {
            // One task on the switch: vCenter makes the port group on every host the switch spans.
            await RunTaskAsync("AddDVPortgroup_Task", dvs, cancellationToken, E("spec",
                E("name", request.Name),
                request.Vlan is { } vlan
                    ? Typed("defaultPortConfig", "VMwareDVSPortSetting", Typed("vlan", "VmwareDistributedVirtualSwitchVlanIdSpec",
                        E("inherited", "false"), E("vlanId", vlan.ToString(CultureInfo.InvariantCulture))))
                    : null,
                E("type", "earlyBinding"),
                E("autoExpand", "true")));
            return (PortGroups.Find(await ReadPortGroupsAsync(hosts, cancellationToken), request.Name)
                    ?? throw new HypervisorErrorException($"The vSphere server added port group '{request.Name}' but does not list it.")).ToNetwork();
        }

        var spec = E("portgrp",
            E("name", request.Name),
            E("vlanId", (request.Vlan ?? 0).ToString(CultureInfo.InvariantCulture)),
            E("vswitchName", switchName),
            E("policy"));

        await using var undo = new Reverter(_logger);
        var added = 0;
        foreach (var host in hosts.Where(h => h.Switches.Contains(switchName)))
        {
            try
            {
                await _session.CallAsync("AddPortGroup", host.NetworkSystem, cancellationToken, spec);
            }
            catch (ConflictException error) when (added > 0 && VimFaults.FaultOf(error)?.FaultType == VimFaults.DuplicateName)
            {
                // Checked above: no host had the name. vcsim answers DuplicateName on the second host
                // because its datacenter's Network object exists already (vCenter joins them).
                VSphereNetworkLog.PortGroupNotAdded(_logger, request.Name, host.HostName);
                continue;
            }

            added++;
            var system = host.NetworkSystem;
            undo.Add($"port group {request.Name} on {host.HostName}", async () =>
                await _session.CallAsync("RemovePortGroup", system, CancellationToken.None, E("pgName", request.Name)));
        }

        var created = PortGroups.Find(await ReadPortGroupsAsync(await ReadHostNetworksAsync(null, cancellationToken), cancellationToken), request.Name)
                      ?? throw new HypervisorErrorException($"The vSphere server added port group '{request.Name}' but does not list it.");
        undo.Commit();
        return created.ToNetwork();
    }

    /// <summary>409 while a VM (or template) has a NIC on it; a standard port group leaves every host that has it.</summary>
    public async Task DeleteNetworkAsync(string networkId, CancellationToken cancellationToken)
    {
        var hosts = await ReadHostNetworksAsync(null, cancellationToken);
        var portGroup = PortGroups.Find(await ReadPortGroupsAsync(hosts, cancellationToken), networkId) ?? throw EntityNotFoundException.Of("Network", networkId);
        var users = (await _collector.RetrieveAllAsync(new Dictionary<string, string[]> { ["VirtualMachine"] = ["name", "config.hardware.device"] }, cancellationToken))
            .Where(vm => GuestMapping.Devices(vm.Val("config.hardware.device")).Any(d => NicSpecs.IsNic(d) && IsOn(d, portGroup.Target)))
            .Select(vm => vm.Text("name") ?? vm.Obj.Value)
            .ToList();
        if (users.Count > 0)
        {
            throw new ConflictException($"Network '{portGroup.Name}' is used by {users.Count} VM(s) ({string.Join(", ", users.Take(5))}): remove their NICs from it first.");
        }

        if (portGroup.Distributed)
        {
            await RunTaskAsync("Destroy_Task", portGroup.Target.Network, cancellationToken);
            return;
        }

        await using var undo = new Reverter(_logger);
        foreach (var host in hosts.Where(h => h.Spec(portGroup.Name) is not null))
        {
            var spec = DeviceSpecs.AsSent(host.Spec(portGroup.Name)!, "portgrp");
            await _session.CallAsync("RemovePortGroup", host.NetworkSystem, cancellationToken, E("pgName", portGroup.Name));
            undo.Add($"port group {portGroup.Name} on {host.HostName}", async () =>
                await _session.CallAsync("AddPortGroup", host.NetworkSystem, CancellationToken.None, spec));
        }

        undo.Commit();
    }

    /// <summary>
    /// The switch <paramref name="from"/> names: a host's vSwitch, or the one a standard port group
    /// is on (its name); a distributed switch, or the one a distributed port group is in (its object).
    /// </summary>
    private static (string SwitchName, MoRef? Distributed) SwitchOf(string from, IReadOnlyList<HostNetwork> hosts, IReadOnlyList<PortGroup> portGroups, IReadOnlyList<ObjectContent> inventory)
    {
        if (hosts.Any(h => h.Switches.Contains(from)))
        {
            return (from, null);
        }

        var switches = inventory.Where(o => o.Obj.Type.EndsWith("DistributedVirtualSwitch", StringComparison.Ordinal)).ToList();
        var portGroup = PortGroups.Find(portGroups, from);
        var switchName = portGroup is null
            ? from
            : portGroup.Switch ?? throw new InvalidArgumentException($"from_network: no host says which vSwitch port group '{from}' is on.");
        if (switches.FirstOrDefault(s => s.Text("name") == switchName) is { } distributed)
        {
            return (switchName, distributed.Obj);
        }

        return portGroup is not null && !portGroup.Distributed
            ? (switchName, null)
            : throw new InvalidArgumentException($"from_network: no vSwitch, distributed switch or port group is named '{from}'.");
    }

    /// <summary>Whether a card's backing is on <paramref name="target"/>.</summary>
    private static bool IsOn(XElement nic, NicTarget target)
    {
        var backing = nic.Child("backing");
        return target.Distributed
            ? backing?.Child("port")?.ChildValue("portgroupKey") == target.PortgroupKey
            : backing?.XsiType() == "VirtualEthernetCardNetworkBackingInfo" && backing.ChildValue("deviceName") == target.Name;
    }

    /// <summary>
    /// A port group name the API can address: 1 to 59 characters (short enough for every vSphere
    /// version; a longer one the server may refuse after some hosts took it), no control
    /// characters, no '/'.
    /// </summary>
    private static void CheckPortGroupName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsControl) || name.Contains('/', StringComparison.Ordinal) || name.Length > 59)
        {
            throw new InvalidArgumentException("A network name must be 1 to 59 characters, without control characters or '/'.");
        }
    }

    /// <summary>The port groups: inventory objects in one read, with the standard ones' switch and VLAN from <paramref name="hosts"/>.</summary>
    private async Task<List<PortGroup>> ReadPortGroupsAsync(IReadOnlyList<HostNetwork> hosts, CancellationToken cancellationToken)
        => PortGroups.From(await _collector.RetrieveAllAsync(PortGroups.Paths, cancellationToken), hosts);

    /// <summary>Each host's networking (one read of its HostNetworkSystem), or only <paramref name="onlyHost"/>'s.</summary>
    private async Task<List<HostNetwork>> ReadHostNetworksAsync(MoRef? onlyHost, CancellationToken cancellationToken)
    {
        string[] paths = ["name", "configManager.networkSystem"];
        var hosts = onlyHost is { } one
            ? [await _collector.RetrieveOneAsync(one, paths, cancellationToken)]
            : await _collector.RetrieveAllAsync(new Dictionary<string, string[]> { ["HostSystem"] = paths }, cancellationToken);
        var networks = new List<HostNetwork>();
        foreach (var host in hosts.OrderBy(h => h.Text("name"), StringComparer.Ordinal))
        {
            if (host.Val("configManager.networkSystem") is { } system)
            {
                var networkSystem = MoRef.From(system);
                var info = await _collector.RetrieveOneAsync(networkSystem, ["networkInfo"], cancellationToken);
                networks.Add(HostNetwork.Read(host.Text("name") ?? host.Obj.Value, networkSystem, info.Val("networkInfo")));
            }
        }

        return networks;
    }
}

internal static partial class VSphereNetworkLog
{
    [LoggerMessage(EventId = 430, Level = LogLevel.Warning, Message = "vSphere answered DuplicateName adding port group {PortGroup} to host {Host}: its datacenter has the network already; the host is left as it is")]
    public static partial void PortGroupNotAdded(ILogger logger, string portGroup, string host);
}
