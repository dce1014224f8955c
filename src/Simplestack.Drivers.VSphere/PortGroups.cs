using System.Globalization;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere;

/// <summary>
/// A port group VMs can plug into, in the API's words: a standard one (a <c>Network</c> object,
/// the same name on each host that has it, on a vSwitch of that host) or a distributed one (a
/// <c>DistributedVirtualPortgroup</c> of a distributed switch). <see cref="Switch"/> is the virtual
/// switch's name (a host's vSwitch, or the distributed switch); <see cref="Vlan"/> the VLAN id
/// where one is set (1-4094; none, trunks and private VLANs read null).
/// </summary>
internal sealed record PortGroup(string Name, string? Switch, int? Vlan, NicTarget Target, IReadOnlyList<MoRef> Objects)
{
    public bool Distributed => Target.Distributed;

    public Network ToNetwork() => new(
        Id: Name,
        Name: Name,
        Bridge: Switch,
        Description: "",
        Vlan: Vlan,
        OtherConfig: new Dictionary<string, string>(),
        Uuid: Target.Network.Value,
        Active: true,
        Persistent: true,
        Autostart: true,
        Forward: "bridge");
}

/// <summary>
/// One host's standard networking (<c>HostNetworkSystem.networkInfo</c>): its vSwitches and its
/// port groups (each a <c>HostPortGroup</c>, whose <c>spec</c> holds name, vlanId, vswitchName).
/// </summary>
internal sealed record HostNetwork(string HostName, MoRef NetworkSystem, IReadOnlyList<string> Switches, IReadOnlyList<XElement> PortGroupSpecs)
{
    public static HostNetwork Read(string hostName, MoRef networkSystem, XElement? networkInfo)
        => new(
            hostName,
            networkSystem,
            [.. networkInfo?.Elements(Ns + "vswitch").Select(s => s.ChildValue("name") ?? "").Where(n => n.Length > 0) ?? []],
            [.. networkInfo?.Elements(Ns + "portgroup").Select(p => p.Child("spec")).OfType<XElement>() ?? []]);

    public XElement? Spec(string portGroupName) => PortGroupSpecs.FirstOrDefault(s => s.ChildValue("name") == portGroupName);
}

/// <summary>Port groups from one inventory read (<see cref="Paths"/>) and the hosts' networking read beside it.</summary>
internal static class PortGroups
{
    /// <summary>What the port groups are read from; <c>Network</c> covers the distributed port groups too (a subtype).</summary>
    public static readonly Dictionary<string, string[]> Paths = new()
    {
        ["Network"] = ["name"],
        ["DistributedVirtualPortgroup"] = ["key", "config.distributedVirtualSwitch", "config.defaultPortConfig", "config.uplink", "tag"],
        ["DistributedVirtualSwitch"] = ["name", "uuid", "config.uplinkPortgroup"],
    };

    /// <summary>
    /// The port groups, by name (a vCenter has a <c>Network</c> per datacenter of the same name:
    /// one port group), distributed uplink port groups left out: they carry the hosts' uplinks, no VM.
    /// Standard port groups take their switch and VLAN from the first of <paramref name="hosts"/> that has them.
    /// </summary>
    public static List<PortGroup> From(IReadOnlyList<ObjectContent> inventory, IReadOnlyList<HostNetwork> hosts)
    {
        var switches = inventory.Where(o => o.Obj.Type.EndsWith("DistributedVirtualSwitch", StringComparison.Ordinal)).ToDictionary(o => o.Obj);
        var found = new List<PortGroup>();
        foreach (var group in inventory.Where(o => o.Obj.Type == "Network").GroupBy(o => o.Text("name") ?? ""))
        {
            var spec = hosts.Select(h => h.Spec(group.Key)).FirstOrDefault(s => s is not null);
            found.Add(new PortGroup(group.Key, spec?.ChildValue("vswitchName"), Vlan(spec?.ChildValue("vlanId")),
                new NicTarget(group.Key, group.First().Obj), [.. group.Select(o => o.Obj)]));
        }

        foreach (var portGroup in inventory.Where(o => o.Obj.Type == "DistributedVirtualPortgroup"))
        {
            var name = portGroup.Text("name") ?? "";
            var owner = portGroup.Val("config.distributedVirtualSwitch") is { } reference ? switches.GetValueOrDefault(MoRef.From(reference)) : null;
            if (IsUplink(portGroup, name, owner))
            {
                continue;
            }

            var vlan = portGroup.Val("config.defaultPortConfig")?.Child("vlan");
            found.Add(new PortGroup(name, owner?.Text("name"),
                vlan?.XsiType() == "VmwareDistributedVirtualSwitchVlanIdSpec" ? Vlan(vlan.ChildValue("vlanId")) : null,
                new NicTarget(name, portGroup.Obj, owner?.Text("uuid") ?? "", portGroup.Text("key") ?? portGroup.Obj.Value), [portGroup.Obj]));
        }

        return [.. found.OrderBy(p => p.Name, StringComparer.Ordinal)];
    }

    /// <summary>A port group by name, or by the managed object id the API answers as its uuid; null when none.</summary>
    public static PortGroup? Find(IReadOnlyList<PortGroup> portGroups, string id)
        => portGroups.FirstOrDefault(p => p.Name == id) ?? portGroups.FirstOrDefault(p => p.Objects.Any(o => o.Value == id));

    /// <summary>Where a NIC of a request plugs in: 400 when the network does not exist (a field of the body, not the resource addressed).</summary>
    public static NicTarget Target(IReadOnlyList<PortGroup> portGroups, string network, string field = "network")
        => portGroups.FirstOrDefault(p => p.Name == network)?.Target
           ?? throw new InvalidArgumentException($"{field}: network '{network}' does not exist (name a port group).");

    /// <summary>
    /// vSphere marks an uplink port group (<c>config.uplink</c>, vSphere 6.5+, or the
    /// <c>SYSTEM/DVS.UPLINKPG</c> tag) and its switch lists it; vcsim does neither, so its default
    /// name (<c>{switch}-DVUplinks-{n}</c>, vCenter's too) is the last test.
    /// </summary>
    private static bool IsUplink(ObjectContent portGroup, string name, ObjectContent? owner)
        => portGroup.Bool("config.uplink")
           || portGroup.Val("tag")?.Elements().Any(t => t.ChildValue("key") == "SYSTEM/DVS.UPLINKPG") == true
           || owner?.Val("config.uplinkPortgroup")?.Elements().Any(e => e.Value.Trim() == portGroup.Obj.Value) == true
           || (owner?.Text("name") is { } switchName && name.StartsWith(switchName + "-DVUplinks", StringComparison.Ordinal));

    private static int? Vlan(string? text)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var vlan) && vlan is >= 1 and <= 4094 ? vlan : null;
}
