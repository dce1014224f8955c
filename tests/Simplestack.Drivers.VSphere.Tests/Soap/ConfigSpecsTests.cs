using System.Xml.Linq;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere.Tests.Soap;

/// <summary>VirtualMachineConfigSpec values in the WSDL's element order (govmomi's vim25/types/types.go).</summary>
public sealed class ConfigSpecsTests
{
    [Fact]
    public void A_create_spec_keeps_the_wsdl_order_and_types_each_device()
    {
        var spec = ConfigSpecs.Create("config", "web <1>", 512, 2, "LocalDS_0",
            [new NewDisk(1024 * 1024, "LocalDS_0"), new NewDisk(2048, "Other DS")],
            [new NewNic(new NicTarget("VM Network", new MoRef("Network", "network-7")))]);

        Assert.Equal(["name", "guestId", "files", "numCPUs", "memoryMB", "deviceChange", "deviceChange", "deviceChange", "deviceChange"],
            spec.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("web <1>", spec.ChildValue("name"));
        Assert.Equal("[LocalDS_0]", spec.Child("files")!.ChildValue("vmPathName"));
        var devices = spec.Elements(Ns + "deviceChange").Select(c => c.Child("device")!).ToList();
        Assert.Equal(["ParaVirtualSCSIController", "VirtualDisk", "VirtualDisk", "VirtualVmxnet3"], devices.Select(d => d.XsiType()));

        var disk = devices[2];
        Assert.Equal(["key", "backing", "controllerKey", "unitNumber", "capacityInKB"], disk.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("[Other DS]", disk.Child("backing")!.ChildValue("fileName"));
        Assert.Equal("create", spec.Elements(Ns + "deviceChange").ElementAt(1).ChildValue("fileOperation"));
        Assert.Null(spec.Elements(Ns + "deviceChange").ElementAt(3).Child("fileOperation"));

        var nic = devices[3];
        Assert.Equal(["key", "backing", "connectable", "addressType"], nic.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("VirtualEthernetCardNetworkBackingInfo", nic.Child("backing")!.XsiType());
        Assert.Equal(["deviceName", "network"], nic.Child("backing")!.Elements().Select(e => e.Name.LocalName));
    }

    [Fact]
    public void Disks_skip_the_unit_the_scsi_controller_takes()
    {
        var disks = Enumerable.Range(0, 9).Select(_ => new NewDisk(1024, "ds")).ToList();
        var units = ConfigSpecs.Create("config", "many", 256, 1, "ds", disks, [])
            .Elements(Ns + "deviceChange").Select(c => c.Child("device")!).Where(d => d.XsiType() == "VirtualDisk")
            .Select(d => int.Parse(d.ChildValue("unitNumber")!, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 8, 9], units);
    }

    [Fact]
    public void A_reconfigure_spec_carries_only_what_changes_in_wsdl_order()
    {
        Assert.Equal(["name", "annotation", "numCPUs", "memoryMB"],
            ConfigSpecs.Reconfigure("n", 1024, 2, "web\ndb").Elements().Select(e => e.Name.LocalName));
        Assert.Equal(["memoryMB"], ConfigSpecs.Reconfigure(memoryMiB: 1024).Elements().Select(e => e.Name.LocalName));
        Assert.Equal(XName.Get("spec", Ns.NamespaceName), ConfigSpecs.Reconfigure().Name);
    }
}
