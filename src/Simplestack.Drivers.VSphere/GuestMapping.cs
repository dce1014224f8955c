using System.Globalization;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

/// <summary>A vSphere VirtualMachine in the API's words (API.md §3 and §8's VMware column).</summary>
internal static class GuestMapping
{
    private const double BytesPerGiB = 1024d * 1024 * 1024;

    /// <summary>The VM properties one guest is read from, all in the same RetrievePropertiesEx.</summary>
    public static readonly string[] Paths =
    [
        "name", "config.uuid", "config.instanceUuid", "config.template", "config.hardware.numCPU",
        "config.hardware.memoryMB", "config.hardware.device", "runtime.powerState", "runtime.host",
        "guest.ipAddress", "guest.toolsStatus", "config.annotation",
    ];

    /// <summary>poweredOn → STARTED, poweredOff → STOPPED, suspended → PAUSED; anything else keeps its word and reads STOPPED.</summary>
    public static GuestStatus State(string? powerState) => powerState switch
    {
        "poweredOn" => new(GuestState.STARTED, powerState),
        "suspended" => new(GuestState.PAUSED, powerState),
        _ => new(GuestState.STOPPED, string.IsNullOrEmpty(powerState) ? "unknown" : powerState),
    };

    /// <summary>A guest is a VM that is not a template (and has a configuration: an inaccessible VM has none to show).</summary>
    public static bool IsGuest(ObjectContent vm) => vm.Obj.Type == "VirtualMachine" && vm.Text("config.uuid") is not null && !vm.Bool("config.template");

    /// <param name="hostName">The name of the host the VM is registered on, or empty.</param>
    public static Guest ToGuest(ObjectContent vm, string hostName)
    {
        var status = State(vm.Text("runtime.powerState"));
        var ip = vm.Text("guest.ipAddress");
        var devices = Devices(vm.Val("config.hardware.device")).ToList();
        return new Guest(
            Id: vm.Text("config.uuid") ?? "",
            Name: vm.Text("name") ?? "",
            Cpus: (int)vm.Long("config.hardware.numCPU"),
            Memory: vm.Long("config.hardware.memoryMB"),
            Hdd: Math.Round(devices.Where(IsDisk).Sum(DiskBytes) / BytesPerGiB, 2),
            // The original's test: a VMI ROM (paravirtual interface, ESX 3.5 to 5.x) among the devices.
            Paravirtualized: devices.Any(d => d.XsiType() == "VirtualMachineVMIROM"),
            ToolsUpToDate: vm.Text("guest.toolsStatus") == "toolsOk",
            Ip: string.IsNullOrEmpty(ip) ? null : ip,
            Ips: string.IsNullOrEmpty(ip) ? [] : [ip],
            State: status.State,
            StateDetail: status.Detail,
            Host: hostName)
        {
            Tags = VSphereConnection.ParseTags(vm.Text("config.annotation")), // the tags, one a line
        };
    }

    /// <summary>
    /// What <see cref="ToGuest"/> reads of a property's value, on its own (a kept value does not keep
    /// the whole answer it came in alive): the device list shrinks to the disks' capacities and the
    /// VMI ROM, since the rest of a VM's devices is most of its bytes and the list never reads it.
    /// </summary>
    public static XElement Kept(string path, XElement value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (path != "config.hardware.device")
        {
            return value.Parent is null ? value : new XElement(value);
        }

        return new XElement(value.Name, value.Attributes(), value.Elements()
            .Where(d => IsDisk(d) || d.XsiType() == "VirtualMachineVMIROM")
            .Select(d => new XElement(d.Name, d.Attributes(), d.Elements(Vim.Ns + "capacityInKB"), d.Elements(Vim.Ns + "capacityInBytes"))));
    }

    /// <summary>The devices of an <c>ArrayOfVirtualDevice</c> value.</summary>
    public static IEnumerable<XElement> Devices(XElement? array) => array?.Elements() ?? [];

    public static bool IsDisk(XElement device) => device.XsiType() == "VirtualDisk";

    /// <summary>A disk's capacity: <c>capacityInBytes</c> (vSphere 5.5 and later), else <c>capacityInKB</c>.</summary>
    public static long DiskBytes(XElement disk)
    {
        if (long.TryParse(disk.ChildValue("capacityInBytes"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var bytes) && bytes > 0)
        {
            return bytes;
        }

        return long.TryParse(disk.ChildValue("capacityInKB"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib) ? kib * 1024 : 0;
    }
}
