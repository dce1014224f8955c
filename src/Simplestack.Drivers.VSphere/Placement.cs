using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

/// <summary>
/// Where a new VM goes, chosen from one inventory read: the first datacenter's VM folder, the first
/// compute resource (a standalone host or a cluster, by name) with a resource pool, and that compute
/// resource's first datastore. Configured placement (datacenter, cluster, pool, datastore) is left for later.
/// </summary>
internal sealed record Placement(MoRef VmFolder, MoRef ResourcePool, string DatastoreName)
{
    public static Placement Choose(IReadOnlyList<ObjectContent> inventory)
    {
        var datacenter = inventory.Where(o => o.Obj.Type == "Datacenter").OrderBy(o => o.Text("name"), StringComparer.Ordinal).FirstOrDefault()
                         ?? throw new HypervisorErrorException("The vSphere server has no datacenter to create the guest in.");
        var compute = inventory.Where(o => o.Obj.Type is "ComputeResource" or "ClusterComputeResource" && o.Val("resourcePool") is not null)
                          .OrderBy(o => o.Text("name"), StringComparer.Ordinal).FirstOrDefault()
                      ?? throw new HypervisorErrorException("The vSphere server has no host or cluster with a resource pool to create the guest in.");
        var names = inventory.Where(o => o.Obj.Type == "Datastore").ToDictionary(o => o.Obj, o => o.Text("name") ?? "");
        var datastore = compute.Val("datastore")?.Elements().Select(MoRef.From).Select(d => names.GetValueOrDefault(d)).FirstOrDefault(n => !string.IsNullOrEmpty(n))
                        ?? names.Values.OrderBy(n => n, StringComparer.Ordinal).FirstOrDefault()
                        ?? throw new HypervisorErrorException("The vSphere server has no datastore to create the guest on.");
        return new Placement(MoRef.From(datacenter.Val("vmFolder")!), MoRef.From(compute.Val("resourcePool")!), datastore);
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
}
