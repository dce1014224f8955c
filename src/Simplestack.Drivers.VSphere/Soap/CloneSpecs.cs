using System.Xml.Linq;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>
/// <c>CloneVM_Task</c>'s spec and the changes a VM made from a template gets afterwards (its boot
/// disk grown, disks added beside it), in the WSDL's element order (govmomi's types.go).
/// </summary>
public static class CloneSpecs
{
    /// <summary>The SCSI unit a controller itself takes: disks skip it.</summary>
    private const int ControllerUnit = 7;

    /// <summary>
    /// A <c>VirtualMachineCloneSpec</c>: into <paramref name="pool"/> (and onto
    /// <paramref name="datastore"/> when given, else the source's), not a template, not powered on,
    /// with <paramref name="deviceChanges"/> and <paramref name="extraConfig"/> (<see cref="ExtraConfig.ForClone"/>) applied to the copy.
    /// </summary>
    public static XElement Clone(MoRef pool, MoRef? datastore, IReadOnlyList<XElement> deviceChanges, IReadOnlyList<XElement>? extraConfig = null)
        => E("spec",
            E("location", datastore is { } store ? Ref("datastore", store) : null, Ref("pool", pool)),
            E("template", "false"),
            deviceChanges.Count == 0 && extraConfig is not { Count: > 0 } ? null : E("config", deviceChanges, extraConfig),
            E("powerOn", "false"));

    /// <summary>A <c>deviceChange</c> growing a disk to <paramref name="capacityKiB"/> (the whole device sent back, its capacity changed).</summary>
    public static XElement GrowDisk(XElement disk, long capacityKiB) => DeviceSpecs.DeviceChange("edit", null, DeviceSpecs.Resized(disk, capacityKiB));

    /// <summary>A <c>deviceChange</c> making a new thin disk on <paramref name="controllerKey"/> at <paramref name="unit"/>.</summary>
    public static XElement AddDisk(NewDisk disk, int key, int controllerKey, int unit)
        => DeviceSpecs.DeviceChange("add", "create", DeviceSpecs.NewThinDisk(key, disk.DatastoreName, controllerKey, unit, disk.CapacityKiB));

    /// <summary>The first <paramref name="count"/> units of a SCSI controller that no device takes (never the controller's own).</summary>
    public static List<int> FreeUnits(IEnumerable<int> taken, int count)
    {
        var used = taken.ToHashSet();
        return [.. Enumerable.Range(0, 16).Where(u => u != ControllerUnit && !used.Contains(u)).Take(count)];
    }
}
