using System.Xml.Linq;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere.Tests.Soap;

/// <summary>Ethernet card device specs in the WSDL's element order (govmomi's vim25/types/types.go).</summary>
public sealed class NicSpecsTests
{
    private static readonly NicTarget Distributed = new("DC0_DVPG0", new MoRef("DistributedVirtualPortgroup", "dvportgroup-11"), "uuid-of-dvs", "dvportgroup-11");

    /// <summary>A card as vcsim describes one in config.hardware.device (a prefixed xsi:type included).</summary>
    private static readonly XElement Described = XElement.Parse("""
        <VirtualDevice xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:vim25="urn:vim25" xsi:type="vim25:VirtualE1000">
          <key>4000</key>
          <deviceInfo xsi:type="Description"><label>Network adapter 1</label><summary>VM Network</summary></deviceInfo>
          <backing xsi:type="VirtualEthernetCardNetworkBackingInfo"><deviceName>VM Network</deviceName></backing>
          <connectable><startConnected>true</startConnected><allowGuestControl>true</allowGuestControl><connected>false</connected></connectable>
          <controllerKey>100</controllerKey>
          <unitNumber>7</unitNumber>
          <addressType>manual</addressType>
          <macAddress>00:50:56:00:00:01</macAddress>
        </VirtualDevice>
        """);

    [Fact]
    public void A_new_card_with_a_mac_on_a_distributed_port_group_keeps_the_wsdl_order()
    {
        var change = NicSpecs.Add(new NewNic(Distributed, "e1000e", "00:50:56:00:00:02"), -1);
        var device = change.Child("device")!;

        Assert.Equal("add", change.ChildValue("operation"));
        Assert.Equal("VirtualE1000e", device.XsiType());
        Assert.Equal(["key", "backing", "connectable", "addressType", "macAddress"], device.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("manual", device.ChildValue("addressType"));
        var backing = device.Child("backing")!;
        Assert.Equal("VirtualEthernetCardDistributedVirtualPortBackingInfo", backing.XsiType());
        Assert.Equal(["switchUuid", "portgroupKey"], backing.Child("port")!.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("uuid-of-dvs", backing.Child("port")!.ChildValue("switchUuid"));
    }

    [Fact]
    public void A_move_sends_the_whole_card_back_with_only_its_backing_changed()
    {
        var device = NicSpecs.Move(Described, Distributed).Child("device")!;

        Assert.Equal(Described.Elements().Select(e => e.Name.LocalName), device.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("VirtualE1000", (string?)device.Attribute(Xsi + "type"));
        Assert.Equal("dvportgroup-11", device.Child("backing")!.Child("port")!.ChildValue("portgroupKey"));
        Assert.Equal("00:50:56:00:00:01", device.ChildValue("macAddress"));
        Assert.DoesNotContain(device.DescendantsAndSelf().SelectMany(e => e.Attributes()), a => a.IsNamespaceDeclaration);
    }

    [Fact]
    public void A_new_mac_drops_the_address_and_asks_for_a_generated_one_after_the_unit_number()
    {
        var device = NicSpecs.NewMac(Described).Child("device")!;

        Assert.Null(device.Child("macAddress"));
        Assert.Equal("generated", device.ChildValue("addressType"));
        Assert.Equal("unitNumber", ((XElement)device.Child("addressType")!.PreviousNode!).Name.LocalName);
    }

    [Theory]
    [InlineData("VirtualVmxnet3", "vmxnet3")]
    [InlineData("VirtualPCNet32", "pcnet32")]
    [InlineData("VirtualSriovEthernetCard", "VirtualSriovEthernetCard")]
    public void Card_types_read_as_the_api_s_models(string type, string model)
    {
        var card = new XElement(Ns + "VirtualDevice", new XAttribute(Xsi + "type", type));
        Assert.True(NicSpecs.IsNic(card));
        Assert.Equal(model, NicSpecs.ModelOf(card));
    }
}
