using System.Xml.Linq;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere.Tests.Soap;

/// <summary>Device changes in the WSDL's element order (govmomi's vim25/types/types.go), and devices as read sent back whole.</summary>
public sealed class DeviceSpecsTests
{
    [Fact]
    public void A_new_disk_and_cdrom_keep_the_wsdl_order()
    {
        var disk = DeviceSpecs.NewThinDisk(-101, "LocalDS_0", 1000, 8, 2048);
        Assert.Equal(["key", "backing", "controllerKey", "unitNumber", "capacityInKB"], disk.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(["fileName", "diskMode", "thinProvisioned"], disk.Child("backing")!.Elements().Select(e => e.Name.LocalName));

        var cdrom = DeviceSpecs.NewCdrom(-300, 200, 1, "[LocalDS_0] a.iso");
        Assert.Equal(["key", "backing", "connectable", "controllerKey", "unitNumber"], cdrom.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("VirtualCdromIsoBackingInfo", cdrom.Child("backing")!.XsiType());
        Assert.Equal(["deviceName", "useAutoDetect", "exclusive"], DeviceSpecs.CdromBacking(null).Elements().Select(e => e.Name.LocalName));

        var change = DeviceSpecs.DeviceChange("add", "create", disk);
        Assert.Equal(["operation", "fileOperation", "device"], change.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(["operation", "device"], DeviceSpecs.DeviceChange("remove", null, disk).Elements().Select(e => e.Name.LocalName));
    }

    [Fact]
    public void A_device_as_read_is_sent_back_whole_with_unprefixed_types_and_both_capacities_grown()
    {
        var read = XElement.Parse("""
            <VirtualDevice xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:vim25="urn:vim25" xsi:type="vim25:VirtualDisk">
              <key>2000</key>
              <deviceInfo><label>Hard disk 1</label><summary>1 KB</summary></deviceInfo>
              <backing xsi:type="vim25:VirtualDiskFlatVer2BackingInfo"><fileName>[ds] vm/vm.vmdk</fileName></backing>
              <controllerKey>1000</controllerKey>
              <unitNumber>0</unitNumber>
              <capacityInKB>1024</capacityInKB>
              <capacityInBytes>1048576</capacityInBytes>
            </VirtualDevice>
            """);

        var grown = DeviceSpecs.Resized(read, 4096);

        Assert.Equal(Ns + "device", grown.Name);
        Assert.Equal("VirtualDisk", (string?)grown.Attribute(Xsi + "type"));
        Assert.Equal("VirtualDiskFlatVer2BackingInfo", (string?)grown.Child("backing")!.Attribute(Xsi + "type"));
        Assert.Equal(("4096", "4194304"), (grown.ChildValue("capacityInKB"), grown.ChildValue("capacityInBytes")));
        Assert.Equal(read.Elements().Select(e => e.Name), grown.Elements().Select(e => e.Name));
        Assert.Equal("1024", read.ChildValue("capacityInKB"));
    }

    [Fact]
    public void A_cdrom_backing_is_replaced_in_place_or_put_after_its_device_info()
    {
        var read = XElement.Parse("""
            <VirtualDevice xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="VirtualCdrom">
              <key>3000</key><deviceInfo><label>CD/DVD drive 1</label></deviceInfo><controllerKey>200</controllerKey><unitNumber>0</unitNumber>
            </VirtualDevice>
            """);

        var mounted = DeviceSpecs.WithBacking(read, "[ds] a.iso");
        Assert.Equal(["key", "deviceInfo", "backing", "controllerKey", "unitNumber"], mounted.Elements().Select(e => e.Name.LocalName));

        var ejected = DeviceSpecs.WithBacking(mounted, null);
        Assert.Equal("VirtualCdromRemotePassthroughBackingInfo", Assert.Single(ejected.Elements(Ns + "backing")).XsiType());
    }
}
