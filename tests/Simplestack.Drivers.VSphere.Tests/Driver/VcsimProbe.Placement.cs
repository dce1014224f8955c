using System.Xml.Linq;
using static Simplestack.Drivers.VSphere.Tests.Vcsim.VimSoap;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>Where a VM is in vcsim's inventory, and the objects placement tests add to it.</summary>
internal sealed partial class VcsimProbe
{
    /// <summary>The names of a VM's resource pool, its folder and its datastores.</summary>
    public (string Pool, string Folder, IReadOnlyList<string> Datastores) WhereIs(string vmName)
    {
        var vm = Retrieve("VirtualMachine", "name", "resourcePool", "parent", "datastore").Single(v => v.Props["name"].Value == vmName).Props;
        var pools = Retrieve("ResourcePool", "name").ToDictionary(p => p.Id, p => p.Props["name"].Value);
        var folders = Retrieve("Folder", "name").ToDictionary(f => f.Id, f => f.Props["name"].Value);
        var datastores = Retrieve("Datastore", "name").ToDictionary(d => d.Id, d => d.Props["name"].Value);
        return (pools[vm["resourcePool"].Value], folders[vm["parent"].Value], [.. vm["datastore"].Elements().Select(d => datastores[d.Value])]);
    }

    /// <summary>A folder under the first datacenter's VM folder (<c>Folder.CreateFolder</c>).</summary>
    public void CreateVmFolder(string name)
    {
        var vmFolder = Retrieve("Datacenter", "vmFolder").First().Props["vmFolder"];
        Invoke(Method("CreateFolder", Ref("_this", vmFolder), new XElement(Vim + "name", name)));
    }

    /// <summary>A child pool of a cluster's or host's root pool, with the allocation vSphere requires of every new pool.</summary>
    public void CreateResourcePool(string computeResourceName, string name)
    {
        var root = Retrieve("ComputeResource", "name", "resourcePool").Single(c => c.Props["name"].Value == computeResourceName).Props["resourcePool"];
        static XElement Allocation(string element) => new(Vim + element,
            new XElement(Vim + "reservation", "0"), new XElement(Vim + "expandableReservation", "true"), new XElement(Vim + "limit", "-1"),
            new XElement(Vim + "shares", new XElement(Vim + "shares", "0"), new XElement(Vim + "level", "normal")));
        Invoke(Method("CreateResourcePool", Ref("_this", root), new XElement(Vim + "name", name),
            new XElement(Vim + "spec", Allocation("cpuAllocation"), Allocation("memoryAllocation"))));
    }

    /// <summary>The names of every VM vcsim holds (templates too).</summary>
    public IReadOnlyList<string> VmNames() => [.. Retrieve("VirtualMachine", "name").Select(v => v.Props["name"].Value)];

    private void Invoke(XElement request) => _soap.InvokeAsync(request, CancellationToken.None).GetAwaiter().GetResult();
}
