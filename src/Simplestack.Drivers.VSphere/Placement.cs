using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

/// <summary>
/// Where a new VM goes, chosen from one inventory read (<see cref="Paths"/>): a datacenter's VM
/// folder (or a folder under it), a compute resource (a standalone host or a cluster) and one of its
/// resource pools, and a datastore. Each part comes from the create body's <c>placement</c>, else
/// the configuration (<c>Simplestack:VSphere:Placement</c>), else the first by name; the datastore
/// must be one the compute resource's hosts mount.
/// </summary>
internal sealed record Placement(MoRef VmFolder, MoRef ResourcePool, string DatastoreName)
{
    /// <summary>What <see cref="Choose"/>, <see cref="Datastore"/> and <see cref="Network"/> read, in one RetrievePropertiesEx.</summary>
    public static readonly Dictionary<string, string[]> Paths = new(PortGroups.Paths)
    {
        ["Datacenter"] = ["name", "vmFolder"],
        ["Folder"] = ["name", "parent"],
        ["ComputeResource"] = ["name", "parent", "resourcePool", "datastore"],
        ["ResourcePool"] = ["name", "parent", "owner"],
        ["Datastore"] = ["name"],
        ["VirtualMachine"] = ["name", "config.uuid", "config.template"],
    };

    /// <param name="inventory">The objects of <see cref="Paths"/>.</param>
    /// <param name="asked">The create body's placement, which wins over the configuration (400 when it names what does not exist).</param>
    /// <param name="configured">The gateway's configured placement (502 when it names what does not exist: the gateway is misconfigured).</param>
    public static Placement Choose(IReadOnlyList<ObjectContent> inventory, PlacementSpec? asked, VSpherePlacementOptions configured)
    {
        var byRef = inventory.ToDictionary(o => o.Obj);
        var datacenters = inventory.Where(o => o.Obj.Type == "Datacenter").ToList();
        var datacenter = Pick(datacenters, asked?.Datacenter, configured.Datacenter, "datacenter")
                         ?? datacenters.OrderBy(o => o.Text("name"), StringComparer.Ordinal).FirstOrDefault()
                         ?? throw new HypervisorErrorException("The vSphere server has no datacenter to create the guest in.");
        bool InDatacenter(ObjectContent o) => DatacenterOf(o, byRef) == datacenter.Obj;

        var computes = inventory.Where(o => o.Obj.Type is "ComputeResource" or "ClusterComputeResource" && o.Val("resourcePool") is not null && InDatacenter(o)).ToList();
        var pools = inventory.Where(o => o.Obj.Type == "ResourcePool" && InDatacenter(o)).ToList();
        var poolName = asked?.ResourcePool ?? configured.ResourcePool;
        var compute = Pick(computes, asked?.Cluster, configured.Cluster, "cluster");
        MoRef pool;
        if (poolName is null)
        {
            compute ??= computes.OrderBy(o => o.Text("name"), StringComparer.Ordinal).FirstOrDefault()
                        ?? throw new HypervisorErrorException($"Datacenter '{datacenter.Text("name")}' has no host or cluster with a resource pool to create the guest in.");
            pool = MoRef.From(compute.Val("resourcePool")!);
        }
        else
        {
            // A pool by name, in the chosen cluster or host when one is, else anywhere in the datacenter (then unique).
            var named = pools.Where(p => p.Text("name") == poolName && (compute is null || p.Val("owner") is { } owner && MoRef.From(owner) == compute.Obj)).ToList();
            if (named.Count != 1)
            {
                throw Wrong(asked?.ResourcePool is not null, "resource_pool", poolName, named.Count == 0 ? "does not exist there" : $"names {named.Count} pools: name the cluster too");
            }

            pool = named[0].Obj;
            compute ??= byRef.GetValueOrDefault(MoRef.From(named[0].Val("owner")!));
        }

        var folder = MoRef.From(datacenter.Val("vmFolder")!);
        if ((asked?.Folder ?? configured.Folder) is { } folderPath)
        {
            folder = FolderAt(folder, folderPath, inventory) ?? throw Wrong(asked?.Folder is not null, "folder", folderPath, "is not a VM folder of the datacenter");
        }

        var names = inventory.Where(o => o.Obj.Type == "Datastore").ToDictionary(o => o.Obj, o => o.Text("name") ?? "");
        var mounted = compute?.Val("datastore")?.Elements().Select(MoRef.From).Where(names.ContainsKey).Select(d => names[d]).ToList() ?? [];
        string datastore;
        if (configured.Datastore is { } wanted)
        {
            datastore = names.Values.Contains(wanted, StringComparer.Ordinal) ? wanted : throw Wrong(false, "datastore", wanted, "does not exist");
        }
        else
        {
            datastore = mounted.FirstOrDefault() ?? names.Values.Order(StringComparer.Ordinal).FirstOrDefault()
                        ?? throw new HypervisorErrorException("The vSphere server has no datastore to create the guest on.");
        }

        return new Placement(folder, pool, datastore);
    }

    /// <summary>A datastore's name from a storage id (its managed object id) or name; 404 when none.</summary>
    public static string Datastore(IReadOnlyList<ObjectContent> inventory, string storageId)
    {
        var datastores = inventory.Where(o => o.Obj.Type == "Datastore").ToList();
        var found = datastores.FirstOrDefault(d => d.Obj.Value == storageId) ?? datastores.FirstOrDefault(d => d.Text("name") == storageId);
        return found?.Text("name") ?? throw EntityNotFoundException.Of("Storage", storageId);
    }

    /// <summary>Where a NIC of the create body plugs in: a standard or distributed port group by name (400 when unknown: it is a field of the body, not the resource addressed).</summary>
    public static NicTarget Network(IReadOnlyList<ObjectContent> inventory, string name, string field)
        => PortGroups.Target(PortGroups.From(inventory, []), name, field);

    /// <summary>The object named by the body, else by the configuration, else null (the caller picks a default).</summary>
    private static ObjectContent? Pick(IEnumerable<ObjectContent> candidates, string? asked, string? configured, string field)
    {
        var name = asked ?? configured;
        if (name is null)
        {
            return null;
        }

        var named = candidates.Where(o => o.Text("name") == name).ToList();
        return named.Count == 1 ? named[0] : throw Wrong(asked is not null, field, name, named.Count == 0 ? "does not exist" : $"names {named.Count} objects");
    }

    /// <summary>The datacenter an object is in: up its <c>parent</c> chain (folders, compute resources, pools) to the first Datacenter.</summary>
    private static MoRef? DatacenterOf(ObjectContent entity, Dictionary<MoRef, ObjectContent> byRef)
    {
        var current = entity;
        for (var depth = 0; depth < 64; depth++)
        {
            var parent = current.Val("parent") ?? current.Val("owner");
            if (parent is null)
            {
                return null;
            }

            var next = MoRef.From(parent);
            if (next.Type == "Datacenter")
            {
                return next;
            }

            if (!byRef.TryGetValue(next, out var found))
            {
                return null;
            }

            current = found;
        }

        return null;
    }

    /// <summary>A folder by its path under the datacenter's VM folder (<c>team/web</c>), or null.</summary>
    private static MoRef? FolderAt(MoRef vmFolder, string path, IReadOnlyList<ObjectContent> inventory)
    {
        var current = vmFolder;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var child = inventory.FirstOrDefault(o => o.Obj.Type == "Folder" && o.Text("name") == part && o.Val("parent") is { } parent && MoRef.From(parent) == current);
            if (child is null)
            {
                return null;
            }

            current = child.Obj;
        }

        return current;
    }

    private static SimplestackException Wrong(bool fromBody, string field, string value, string problem)
        => fromBody
            ? new InvalidArgumentException($"placement.{field} '{value}' {problem}.")
            : new HypervisorErrorException($"The gateway's configured placement (Simplestack:VSphere:Placement:{FirstUpper(field)}) '{value}' {problem} on this vSphere server.");

    private static string FirstUpper(string field) => string.Concat(field.Split('_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
