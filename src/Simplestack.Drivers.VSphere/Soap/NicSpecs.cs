using System.Globalization;
using System.Xml.Linq;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>
/// Where a NIC plugs in: a standard port group (its <c>Network</c> object, backed by
/// <c>VirtualEthernetCardNetworkBackingInfo</c>) or a distributed port group (backed by a port of
/// its switch: <c>VirtualEthernetCardDistributedVirtualPortBackingInfo</c> with the switch's uuid
/// and the port group's key).
/// </summary>
public sealed record NicTarget(string Name, MoRef Network, string? SwitchUuid = null, string? PortgroupKey = null)
{
    public bool Distributed => PortgroupKey is not null;
}

/// <summary>A new NIC: where it plugs in, its card type (<see cref="NicSpecs.Models"/>) and its MAC (null: vSphere makes one).</summary>
public sealed record NewNic(NicTarget Target, string Model = NicSpecs.DefaultModel, string? Mac = null);

/// <summary>
/// Ethernet card device specs in the WSDL's element order (govmomi's types.go: VirtualDevice's
/// key, deviceInfo, backing, connectable, slotInfo, controllerKey, unitNumber, then
/// VirtualEthernetCard's addressType, macAddress...). An edit sends the whole device as the server
/// described it with the changed parts replaced: vcsim replaces a device by what an edit carries.
/// </summary>
public static class NicSpecs
{
    public const string DefaultModel = "vmxnet3";

    /// <summary>The API's model words and vSphere's card types.</summary>
    public static IReadOnlyDictionary<string, string> Models { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["vmxnet3"] = "VirtualVmxnet3",
        ["e1000"] = "VirtualE1000",
        ["e1000e"] = "VirtualE1000e",
        ["vmxnet2"] = "VirtualVmxnet2",
        ["pcnet32"] = "VirtualPCNet32",
    };

    /// <summary>The card types vSphere has, the ones the API has no word for included (they are still NICs).</summary>
    private static readonly HashSet<string> CardTypes =
        [.. Models.Values, "VirtualVmxnet", "VirtualVmxnet3Vrdma", "VirtualSriovEthernetCard", "VirtualEthernetCard"];

    /// <summary>Whether a device of <c>config.hardware.device</c> is an ethernet card.</summary>
    public static bool IsNic(XElement device) => device.XsiType() is { } type && CardTypes.Contains(type);

    /// <summary>The API's word for a card's type (<c>VirtualE1000</c> → <c>e1000</c>), or the type itself when the API has none.</summary>
    public static string? ModelOf(XElement device)
    {
        var type = device.XsiType();
        return Models.FirstOrDefault(m => m.Value == type).Key ?? type;
    }

    /// <summary>A <c>deviceChange</c> adding a card with a key the server replaces (<paramref name="key"/> negative).</summary>
    public static XElement Add(NewNic nic, int key)
        => E("deviceChange",
            E("operation", "add"),
            Typed("device", Models[nic.Model],
                E("key", key.ToString(CultureInfo.InvariantCulture)),
                Backing(nic.Target),
                E("connectable", E("startConnected", "true"), E("allowGuestControl", "true"), E("connected", "false")),
                E("addressType", nic.Mac is null ? "generated" : "manual"),
                nic.Mac is null ? null : E("macAddress", nic.Mac)));

    /// <summary>A <c>deviceChange</c> moving an existing card to <paramref name="target"/>.</summary>
    public static XElement Move(XElement device, NicTarget target) => Edit(device, target, null);

    /// <summary>
    /// A <c>deviceChange</c> editing an existing card: moved to <paramref name="target"/> when
    /// given, connected or disconnected (<c>connectable.connected</c>, a running VM's) when
    /// <paramref name="connected"/> is given.
    /// </summary>
    public static XElement Edit(XElement device, NicTarget? target, bool? connected)
    {
        var edited = DeviceSpecs.AsSent(device);
        if (target is not null)
        {
            edited.Element(Ns + "backing")?.Remove();
            InsertAfterFirst(edited, Backing(target), "deviceInfo", "key");
        }

        if (connected is { } plugged)
        {
            var connectable = edited.Element(Ns + "connectable");
            if (connectable is null)
            {
                InsertAfterFirst(edited, E("connectable", E("startConnected", "true"), E("allowGuestControl", "true"), E("connected", Bool(plugged))), "backing", "deviceInfo", "key");
            }
            else
            {
                connectable.Element(Ns + "connected")?.SetValue(Bool(plugged));
            }
        }

        return E("deviceChange", E("operation", "edit"), edited);
    }

    /// <summary>
    /// A <c>deviceChange</c> asking vSphere for a new generated MAC on a card (a clone's cards,
    /// which would otherwise keep the source's addresses: vcsim copies them, and a manual one is
    /// copied by vSphere too).
    /// </summary>
    public static XElement NewMac(XElement device)
    {
        var edited = DeviceSpecs.AsSent(device);
        edited.Element(Ns + "macAddress")?.Remove();
        edited.Element(Ns + "addressType")?.Remove();
        InsertAfterFirst(edited, E("addressType", "generated"), "unitNumber", "controllerKey", "slotInfo", "connectable", "backing", "deviceInfo", "key");
        return E("deviceChange", E("operation", "edit"), edited);
    }

    /// <summary>A <c>deviceChange</c> removing a card.</summary>
    public static XElement Remove(XElement device) => E("deviceChange", E("operation", "remove"), DeviceSpecs.AsSent(device));

    private static XElement Backing(NicTarget target)
        => target.Distributed
            ? Typed("backing", "VirtualEthernetCardDistributedVirtualPortBackingInfo",
                E("port", E("switchUuid", target.SwitchUuid), E("portgroupKey", target.PortgroupKey)))
            : Typed("backing", "VirtualEthernetCardNetworkBackingInfo",
                E("deviceName", target.Name),
                Ref("network", target.Network));

    /// <summary>Inserts <paramref name="child"/> after the first of <paramref name="predecessors"/> present, else first.</summary>
    private static void InsertAfterFirst(XElement parent, XElement child, params string[] predecessors)
    {
        var after = predecessors.Select(name => parent.Element(Ns + name)).FirstOrDefault(e => e is not null);
        if (after is null)
        {
            parent.AddFirst(child);
        }
        else
        {
            after.AddAfterSelf(child);
        }
    }
}
