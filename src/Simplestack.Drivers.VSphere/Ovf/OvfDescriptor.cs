using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Simplestack.Drivers.VSphere.Ovf;

/// <summary>A disk controller of an exported VM: SCSI (its OVF sub-type, e.g. <c>VirtualSCSI</c>) or IDE, by its vSphere device key.</summary>
internal sealed record OvfController(int Key, bool Ide, string SubType, int Bus);

/// <summary>A disk of an exported VM: the archive file holding its bytes, its capacity, and where it hangs.</summary>
internal sealed record OvfDisk(string FileName, long FileBytes, long CapacityBytes, string Format, int ControllerKey, int Unit);

/// <summary>A NIC of an exported VM: the port group's name and the OVF sub-type of the card (e.g. <c>VmxNet3</c>).</summary>
internal sealed record OvfNic(string Network, string SubType);

/// <summary>What an OVF descriptor says of one VM.</summary>
internal sealed record OvfSystem(
    string Name,
    string GuestId,
    string HardwareVersion,
    int Cpus,
    long MemoryMiB,
    IReadOnlyList<OvfController> Controllers,
    IReadOnlyList<OvfDisk> Disks,
    IReadOnlyList<OvfNic> Nics);

/// <summary>
/// The OVF 1.x descriptor this driver writes (DMTF DSP0243): <c>References</c> (one File per disk
/// with its size), <c>DiskSection</c> (capacity, file and format), <c>NetworkSection</c>, and one
/// <c>VirtualSystem</c> whose <c>VirtualHardwareSection</c> lists the CPUs, memory, disk
/// controllers, disks and NICs as CIM resource allocation items (their elements in the CIM
/// schema's alphabetical order). Pure functions.
/// </summary>
internal static class OvfDescriptor
{
    public static readonly XNamespace OvfNs = "http://schemas.dmtf.org/ovf/envelope/1";
    public static readonly XNamespace Rasd = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData";
    public static readonly XNamespace Vssd = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData";
    public static readonly XNamespace Vmw = "http://www.vmware.com/schema/ovf";
    public static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>A stream-optimized VMDK (what ovftool, govc and vCenter's export write); an import uploads it as NFC expects.</summary>
    public const string StreamOptimizedFormat = "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized";

    public static byte[] Write(OvfSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var items = new List<XElement>
        {
            Item(1, 3, system.Cpus.ToString(CultureInfo.InvariantCulture), $"{system.Cpus} virtual CPU(s)", allocationUnits: "hertz * 10^6"),
            Item(2, 4, system.MemoryMiB.ToString(CultureInfo.InvariantCulture), $"{system.MemoryMiB}MB of memory", allocationUnits: "byte * 2^20"),
        };

        var instance = 3;
        var controllerIds = new Dictionary<int, int>();
        foreach (var controller in system.Controllers)
        {
            controllerIds[controller.Key] = instance;
            items.Add(new XElement(OvfNs + "Item",
                new XElement(Rasd + "Address", controller.Bus.ToString(CultureInfo.InvariantCulture)),
                new XElement(Rasd + "Description", controller.Ide ? "IDE Controller" : "SCSI Controller"),
                new XElement(Rasd + "ElementName", controller.Ide ? $"ideController{controller.Bus}" : $"SCSI controller {controller.Bus}"),
                new XElement(Rasd + "InstanceID", instance++),
                controller.Ide ? null : new XElement(Rasd + "ResourceSubType", controller.SubType),
                new XElement(Rasd + "ResourceType", controller.Ide ? 5 : 6)));
        }

        for (var i = 0; i < system.Disks.Count; i++)
        {
            var disk = system.Disks[i];
            items.Add(new XElement(OvfNs + "Item",
                new XElement(Rasd + "AddressOnParent", disk.Unit.ToString(CultureInfo.InvariantCulture)),
                new XElement(Rasd + "ElementName", $"Hard disk {i + 1}"),
                new XElement(Rasd + "HostResource", $"ovf:/disk/vmdisk{i + 1}"),
                new XElement(Rasd + "InstanceID", instance++),
                new XElement(Rasd + "Parent", controllerIds[disk.ControllerKey]),
                new XElement(Rasd + "ResourceType", 17)));
        }

        for (var i = 0; i < system.Nics.Count; i++)
        {
            var nic = system.Nics[i];
            items.Add(new XElement(OvfNs + "Item",
                new XElement(Rasd + "AddressOnParent", (7 + i).ToString(CultureInfo.InvariantCulture)),
                new XElement(Rasd + "AutomaticAllocation", "true"),
                new XElement(Rasd + "Connection", nic.Network),
                new XElement(Rasd + "Description", $"{nic.SubType} ethernet adapter on \"{nic.Network}\""),
                new XElement(Rasd + "ElementName", $"Network adapter {i + 1}"),
                new XElement(Rasd + "InstanceID", instance++),
                new XElement(Rasd + "ResourceSubType", nic.SubType),
                new XElement(Rasd + "ResourceType", 10)));
        }

        var envelope = new XElement(OvfNs + "Envelope",
            new XAttribute(XNamespace.Xmlns + "ovf", OvfNs.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "rasd", Rasd.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "vssd", Vssd.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "vmw", Vmw.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "xsi", Xsi.NamespaceName),
            new XAttribute(OvfNs + "version", "1.0"),
            new XElement(OvfNs + "References",
                system.Disks.Select((d, i) => new XElement(OvfNs + "File",
                    new XAttribute(OvfNs + "href", d.FileName),
                    new XAttribute(OvfNs + "id", $"file{i + 1}"),
                    new XAttribute(OvfNs + "size", d.FileBytes.ToString(CultureInfo.InvariantCulture))))),
            // Sections with nothing to list are left out (the schema wants at least one Disk or Network in each).
            system.Disks.Count == 0 ? null : new XElement(OvfNs + "DiskSection",
                new XElement(OvfNs + "Info", "Virtual disk information"),
                system.Disks.Select((d, i) => new XElement(OvfNs + "Disk",
                    new XAttribute(OvfNs + "capacity", d.CapacityBytes.ToString(CultureInfo.InvariantCulture)),
                    new XAttribute(OvfNs + "capacityAllocationUnits", "byte"),
                    new XAttribute(OvfNs + "diskId", $"vmdisk{i + 1}"),
                    new XAttribute(OvfNs + "fileRef", $"file{i + 1}"),
                    new XAttribute(OvfNs + "format", d.Format)))),
            system.Nics.Count == 0 ? null : new XElement(OvfNs + "NetworkSection",
                new XElement(OvfNs + "Info", "The list of logical networks"),
                system.Nics.Select(n => n.Network).Distinct(StringComparer.Ordinal).Select(n => new XElement(OvfNs + "Network",
                    new XAttribute(OvfNs + "name", n),
                    new XElement(OvfNs + "Description", $"The {n} network")))),
            new XElement(OvfNs + "VirtualSystem",
                new XAttribute(OvfNs + "id", system.Name),
                new XElement(OvfNs + "Info", "A virtual machine"),
                new XElement(OvfNs + "Name", system.Name),
                new XElement(OvfNs + "OperatingSystemSection",
                    new XAttribute(OvfNs + "id", "1"),
                    new XAttribute(Vmw + "osType", system.GuestId),
                    new XElement(OvfNs + "Info", "The kind of installed guest operating system")),
                new XElement(OvfNs + "VirtualHardwareSection",
                    new XElement(OvfNs + "Info", "Virtual hardware requirements"),
                    new XElement(OvfNs + "System",
                        new XElement(Vssd + "ElementName", "Virtual Hardware Family"),
                        new XElement(Vssd + "InstanceID", "0"),
                        new XElement(Vssd + "VirtualSystemIdentifier", system.Name),
                        new XElement(Vssd + "VirtualSystemType", system.HardwareVersion)),
                    items)));

        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
        {
            new XDocument(new XDeclaration("1.0", "UTF-8", null), envelope).Save(writer);
        }

        return buffer.ToArray();
    }

    private static XElement Item(int instance, int resourceType, string quantity, string name, string allocationUnits)
        => new(OvfNs + "Item",
            new XElement(Rasd + "AllocationUnits", allocationUnits),
            new XElement(Rasd + "Description", resourceType == 3 ? "Number of Virtual CPUs" : "Memory Size"),
            new XElement(Rasd + "ElementName", name),
            new XElement(Rasd + "InstanceID", instance),
            new XElement(Rasd + "ResourceType", resourceType),
            new XElement(Rasd + "VirtualQuantity", quantity));
}
