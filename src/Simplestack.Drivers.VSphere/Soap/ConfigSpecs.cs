using System.Globalization;
using System.Xml.Linq;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>A new virtual disk: its size and the datastore it is made on.</summary>
public sealed record NewDisk(long CapacityKiB, string DatastoreName);

/// <summary>
/// <c>VirtualMachineConfigSpec</c> values, built as pure functions in the WSDL's element order
/// (govmomi's vim25/types/types.go): name, guestId, annotation, files, numCPUs, memoryMB,
/// deviceChange. Devices are polymorphic, so each carries its <c>xsi:type</c>.
/// </summary>
public static class ConfigSpecs
{
    /// <summary>The controller key new disks hang from (negative: a key the server replaces).</summary>
    private const int NewControllerKey = -100;

    /// <summary>
    /// The spec of <c>CreateVM_Task</c>: a VM in the folder <c>[datastore] name/</c> with a
    /// paravirtual SCSI controller, one thin disk per <paramref name="disks"/> entry and a
    /// NIC per <paramref name="nics"/> entry (<see cref="NicSpecs"/>), and <paramref name="extraConfig"/>
    /// (<see cref="ExtraConfig"/>: the idempotency stamp, made with the VM).
    /// </summary>
    public static XElement Create(string elementName, string name, long memoryMiB, int cpus, string datastoreName, IReadOnlyList<NewDisk> disks, IReadOnlyList<NewNic> nics, IEnumerable<XElement>? extraConfig = null)
    {
        var devices = new List<XElement>();
        if (disks.Count > 0)
        {
            devices.Add(DeviceSpecs.DeviceChange("add", null, DeviceSpecs.ParaVirtualScsiController(NewControllerKey, 0)));
        }

        for (var i = 0; i < disks.Count; i++)
        {
            var unit = i < DeviceSpecs.ScsiControllerUnit ? i : i + 1;
            devices.Add(DeviceSpecs.DeviceChange("add", "create",
                DeviceSpecs.NewThinDisk(-101 - i, disks[i].DatastoreName, NewControllerKey, unit, disks[i].CapacityKiB)));
        }

        for (var i = 0; i < nics.Count; i++)
        {
            devices.Add(NicSpecs.Add(nics[i], -200 - i));
        }

        return E(elementName,
            E("name", name),
            E("guestId", "otherGuest64"),
            E("files", E("vmPathName", $"[{datastoreName}]")),
            E("numCPUs", Int(cpus)),
            E("memoryMB", memoryMiB.ToString(CultureInfo.InvariantCulture)),
            devices,
            extraConfig);
    }

    /// <summary>
    /// The spec of <c>ReconfigVM_Task</c>: only the fields given change. With
    /// <paramref name="changeVersion"/> (the <c>config.changeVersion</c> read before), the server
    /// refuses the change if the configuration changed since (a read-modify-write stays whole).
    /// </summary>
    public static XElement Reconfigure(string? name = null, long? memoryMiB = null, int? cpus = null, string? annotation = null, string? changeVersion = null)
        => E("spec",
            changeVersion is null ? null : E("changeVersion", changeVersion),
            name is null ? null : E("name", name),
            annotation is null ? null : E("annotation", annotation),
            cpus is null ? null : E("numCPUs", Int(cpus.Value)),
            memoryMiB is null ? null : E("memoryMB", memoryMiB.Value.ToString(CultureInfo.InvariantCulture)));

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
