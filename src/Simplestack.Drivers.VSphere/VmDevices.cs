using System.Globalization;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

/// <summary>A disk as read: the device element (for edits and removes) and the disk in the API's words.</summary>
internal sealed record VmDisk(XElement Device, Disk Disk);

/// <summary>A SCSI place for a new disk: the controller's key (negative for one being added), its bus and the unit.</summary>
internal sealed record ScsiSlot(int ControllerKey, int Bus, int Unit);

/// <summary>A VM's devices read in one RetrievePropertiesEx: its disks in device order, its controllers and CD-ROMs.</summary>
internal sealed class VmDevices
{
    /// <summary>The key a controller being added takes in a device change (the server gives the real one).</summary>
    public const int NewControllerKey = -100;

    private const int MaxScsiBuses = 4;

    private VmDevices(string name, string powerState, string vmPathName, IReadOnlyList<XElement> all)
    {
        Name = name;
        PowerState = powerState;
        VmPathName = vmPathName;
        All = all;
        Controllers = all.Where(d => Bus(d) is not null).ToDictionary(Key, d => (Kind: Bus(d)!, BusNumber: IntOf(d, "busNumber")));
        Disks = [.. all.Where(GuestMapping.IsDisk).Select((d, i) => new VmDisk(d, ToDisk(d, i)))];
    }

    public string Name { get; }

    public string PowerState { get; }

    /// <summary>The VM's .vmx, <c>[datastore] folder/name.vmx</c>.</summary>
    public string VmPathName { get; }

    public IReadOnlyList<XElement> All { get; }

    public IReadOnlyList<VmDisk> Disks { get; }

    /// <summary>The controllers by key: their bus kind and number.</summary>
    public IReadOnlyDictionary<int, (string Kind, int BusNumber)> Controllers { get; }

    public static VmDevices Read(ObjectContent vm)
        => new(vm.Text("name") ?? vm.Obj.Value, vm.Text("runtime.powerState") ?? "unknown", vm.Text("config.files.vmPathName") ?? "",
            [.. GuestMapping.Devices(vm.Val("config.hardware.device"))]);

    /// <summary>A disk by its id (<c>0:1</c>, <c>ide0:0</c>...), its device (<c>scsi0:1</c>) or its label where unique; 404 when none.</summary>
    public VmDisk Disk(string diskId)
    {
        if (Disks.FirstOrDefault(d => d.Disk.Id == diskId || d.Disk.Device == diskId) is { } disk)
        {
            return disk;
        }

        var labelled = Disks.Where(d => d.Disk.Name == diskId).ToList();
        return labelled.Count == 1 ? labelled[0] : throw new EntityNotFoundException($"Guest '{Name}' has no disk '{diskId}'.");
    }

    /// <summary>
    /// The first free unit (not 7) of the SCSI controller with the lowest bus number that has one;
    /// when none has, a new paravirtual controller on the lowest free bus (its add change returned
    /// too); 409 when the VM has four full SCSI controllers.
    /// </summary>
    public (ScsiSlot Slot, XElement? ControllerChange) FreeScsiSlot()
    {
        foreach (var (key, (_, bus)) in Controllers.Where(c => c.Value.Kind == "scsi").OrderBy(c => c.Value.BusNumber))
        {
            var taken = All.Where(d => IntOf(d, "controllerKey") == key).Select(d => IntOf(d, "unitNumber")).ToHashSet();
            var unit = Enumerable.Range(0, DeviceSpecs.ScsiUnits).FirstOrDefault(u => u != DeviceSpecs.ScsiControllerUnit && !taken.Contains(u), -1);
            if (unit >= 0)
            {
                return (new ScsiSlot(key, bus, unit), null);
            }
        }

        var buses = Controllers.Values.Where(c => c.Kind == "scsi").Select(c => c.BusNumber).ToHashSet();
        var free = Enumerable.Range(0, MaxScsiBuses).FirstOrDefault(b => !buses.Contains(b), -1);
        return free < 0
            ? throw new ConflictException($"Guest '{Name}' has no free SCSI unit for another disk.")
            : (new ScsiSlot(NewControllerKey, free, 0), DeviceSpecs.DeviceChange("add", null, DeviceSpecs.ParaVirtualScsiController(NewControllerKey, free)));
    }

    public static int Key(XElement device) => IntOf(device, "key");

    public static int IntOf(XElement device, string field)
        => int.TryParse(device.ChildValue(field), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : -1;

    /// <summary>The bus a controller device drives, or null for any other device.</summary>
    private static string? Bus(XElement device) => device.XsiType() switch
    {
        "ParaVirtualSCSIController" or "VirtualLsiLogicController" or "VirtualLsiLogicSASController" or "VirtualBusLogicController" or "VirtualSCSIController" => "scsi",
        "VirtualIDEController" => "ide",
        "VirtualAHCIController" or "VirtualSATAController" => "sata",
        "VirtualNVMEController" => "nvme",
        _ => null,
    };

    private Disk ToDisk(XElement disk, int number)
    {
        var (kind, bus) = Controllers.TryGetValue(IntOf(disk, "controllerKey"), out var controller) ? controller : ("unknown", -1);
        var unit = IntOf(disk, "unitNumber");
        var backing = disk.Child("backing");
        var bytes = GuestMapping.DiskBytes(disk);
        var extra = new Dictionary<string, string>
        {
            ["key"] = Key(disk).ToString(CultureInfo.InvariantCulture),
            ["provisioning"] = backing?.ChildValue("thinProvisioned") == "true" ? "thin" : "thick",
        };
        if (backing?.ChildValue("diskMode") is { } mode)
        {
            extra["disk_mode"] = mode;
        }

        return new Disk(
            Id: kind == "scsi" ? $"{bus}:{unit}" : $"{kind}{bus}:{unit}",
            Name: disk.Child("deviceInfo")?.ChildValue("label") ?? "",
            Number: number,
            Size: Math.Round(bytes / (1024d * 1024 * 1024), 2),
            ExtraInfo: extra,
            Device: $"{kind}{bus}:{unit}",
            Bus: kind,
            Format: "vmdk",
            Path: backing?.ChildValue("fileName"),
            SizeBytes: bytes);
    }
}
