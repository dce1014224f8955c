using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere.Inventory;

/// <summary>
/// The properties the guest list is made from (each VirtualMachine's <see cref="GuestMapping.Paths"/>
/// and each HostSystem's name), by object, as <c>WaitForUpdatesEx</c> delivers them. Pure: no calls
/// here. An enter brings an object's every path, a modify only the paths that changed, a leave
/// removes it. A change this class cannot apply exactly (a path it did not ask for, as partial
/// updates would name, or an <c>add</c> into a list) marks the object to be read again whole. Not
/// thread-safe: <see cref="VSphereInventory"/> holds a lock around every use; the list it builds is
/// immutable.
/// </summary>
internal sealed class GuestRecords
{
    /// <summary>What the filter asks for, by type: everything <see cref="GuestMapping.ToGuest"/> reads.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Paths = new Dictionary<string, string[]>
    {
        ["VirtualMachine"] = GuestMapping.Paths,
        ["HostSystem"] = ["name"],
    };

    private readonly Dictionary<MoRef, Dictionary<string, XElement>> _objects = [];
    private readonly HashSet<MoRef> _modified = [];
    private IReadOnlyList<Guest>? _guests;

    /// <summary>Objects held (VMs, templates and hosts alike).</summary>
    public int Count => _objects.Count;

    public void Clear()
    {
        _objects.Clear();
        _modified.Clear();
        _guests = null;
    }

    /// <summary>
    /// Applies the updates in order; returns the objects whose change could not be applied exactly
    /// (to be read again whole, then given to <see cref="Replace"/>).
    /// </summary>
    public IReadOnlyCollection<MoRef> Apply(IEnumerable<ObjectUpdate> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var unread = new HashSet<MoRef>();
        foreach (var update in updates)
        {
            if (!Paths.TryGetValue(update.Obj.Type, out var known))
            {
                continue; // The view's own changes, or a type not asked for.
            }

            switch (update.Kind)
            {
                case "enter":
                    _objects[update.Obj] = new Dictionary<string, XElement>(StringComparer.Ordinal);
                    Modify(update, known, unread);
                    break;
                case "modify":
                    if (_objects.TryAdd(update.Obj, new Dictionary<string, XElement>(StringComparer.Ordinal)))
                    {
                        unread.Add(update.Obj); // A modify of an object never entered: read it whole.
                    }

                    Modify(update, known, unread);
                    _modified.Add(update.Obj);
                    break;
                case "leave":
                    _objects.Remove(update.Obj);
                    _modified.Remove(update.Obj);
                    unread.Remove(update.Obj);
                    break;
                default:
                    continue;
            }

            _guests = null;
        }

        return unread;
    }

    /// <summary>Replaces objects by what was read of them whole; an object asked for and not answered is gone.</summary>
    public void Replace(IReadOnlyCollection<MoRef> asked, IEnumerable<ObjectContent> read)
    {
        foreach (var obj in asked)
        {
            _objects.Remove(obj);
        }

        foreach (var content in read)
        {
            _objects[content.Obj] = content.Properties.ToDictionary(p => p.Key, p => GuestMapping.Kept(p.Key, p.Value), StringComparer.Ordinal);
        }

        _guests = null;
    }

    /// <summary>
    /// The VMs modified since the last call (held still). A server may report a change without every
    /// path it changed (vcsim's ReconfigVM_Task reports the devices, not the name, memory or CPUs):
    /// the inventory reads these again whole after the gateway's own writes.
    /// </summary>
    public IReadOnlyCollection<MoRef> TakeModified()
    {
        MoRef[] modified = [.. _modified.Where(_objects.ContainsKey)];
        _modified.Clear();
        return modified;
    }

    /// <summary>Every guest, ordered by name, built again only after a change.</summary>
    public IReadOnlyList<Guest> Guests()
    {
        if (_guests is not null)
        {
            return _guests;
        }

        var hostNames = _objects.Where(o => o.Key.Type == "HostSystem")
            .ToDictionary(o => o.Key, o => o.Value.GetValueOrDefault("name")?.Value ?? "");
        return _guests = [.. _objects
            .Where(o => o.Key.Type == "VirtualMachine")
            .Select(o => new ObjectContent(o.Key, o.Value))
            .Where(GuestMapping.IsGuest)
            .Select(vm => GuestMapping.ToGuest(vm, vm.Val("runtime.host") is { } host ? hostNames.GetValueOrDefault(MoRef.From(host), "") : ""))
            .OrderBy(g => g.Name, StringComparer.Ordinal)];
    }

    private void Modify(ObjectUpdate update, string[] known, HashSet<MoRef> unread)
    {
        var properties = _objects[update.Obj];
        foreach (var change in update.Changes)
        {
            if (!known.Contains(change.Name, StringComparer.Ordinal))
            {
                unread.Add(update.Obj); // A part of a path (partial updates) or a path not asked for.
                continue;
            }

            switch (change.Op)
            {
                case "assign" when change.Val is not null:
                    properties[change.Name] = GuestMapping.Kept(change.Name, change.Val);
                    break;
                case "assign" or "remove" or "indirectRemove":
                    properties.Remove(change.Name);
                    break;
                default:
                    unread.Add(update.Obj); // "add" into a list: read the whole value again.
                    break;
            }
        }
    }
}
