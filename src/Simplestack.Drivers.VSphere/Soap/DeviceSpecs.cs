using System.Globalization;
using System.Xml.Linq;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>
/// <c>VirtualDeviceConfigSpec</c> values (a <c>deviceChange</c> of a config spec) and the devices
/// they carry, built as pure functions in the WSDL's element order (govmomi's
/// vim25/types/types.go: key, deviceInfo, backing, connectable, slotInfo, controllerKey,
/// unitNumber, then the subtype's fields). Devices are polymorphic, so each carries its <c>xsi:type</c>.
/// </summary>
public static class DeviceSpecs
{
    /// <summary>The SCSI unit the controller itself takes: disks skip it.</summary>
    public const int ScsiControllerUnit = 7;

    /// <summary>The units a SCSI controller offers disks (0 to 15 but <see cref="ScsiControllerUnit"/>).</summary>
    public const int ScsiUnits = 16;

    /// <summary>One <c>deviceChange</c>: add, edit or remove, with a file operation (create, destroy) or none.</summary>
    public static XElement DeviceChange(string operation, string? fileOperation, XElement device)
        => E("deviceChange", E("operation", operation), fileOperation is null ? null : E("fileOperation", fileOperation), device);

    /// <summary>A <c>ReconfigVM_Task</c> spec that only changes devices.</summary>
    public static XElement Reconfigure(params XElement[] deviceChanges) => E("spec", deviceChanges);

    /// <summary>A new paravirtual SCSI controller on bus <paramref name="busNumber"/> (negative key: the server gives the real one).</summary>
    public static XElement ParaVirtualScsiController(int key, int busNumber)
        => Typed("device", "ParaVirtualSCSIController", E("key", Int(key)), E("busNumber", Int(busNumber)), E("sharedBus", "noSharing"));

    /// <summary>
    /// A new thin disk of <paramref name="capacityKiB"/> whose file the server names: <c>[datastore]</c>
    /// alone makes it in the VM's folder on that datastore (with <c>fileOperation</c> create).
    /// </summary>
    public static XElement NewThinDisk(int key, string datastoreName, int controllerKey, int unit, long capacityKiB)
        => Typed("device", "VirtualDisk",
            E("key", Int(key)),
            Typed("backing", "VirtualDiskFlatVer2BackingInfo",
                E("fileName", $"[{datastoreName}]"),
                E("diskMode", "persistent"),
                E("thinProvisioned", "true")),
            E("controllerKey", Int(controllerKey)),
            E("unitNumber", Int(unit)),
            E("capacityInKB", capacityKiB.ToString(CultureInfo.InvariantCulture)));

    /// <summary>A disk on an existing file (<c>[datastore] folder/name.vmdk</c>), added with no file operation: the file is kept as it is.</summary>
    public static XElement ExistingDisk(int key, string fileName, int controllerKey, int unit)
        => Typed("device", "VirtualDisk",
            E("key", Int(key)),
            Typed("backing", "VirtualDiskFlatVer2BackingInfo", E("fileName", fileName), E("diskMode", "persistent")),
            E("controllerKey", Int(controllerKey)),
            E("unitNumber", Int(unit)),
            E("capacityInKB", "0"));

    /// <summary>A new CD-ROM drive on an IDE controller, holding the ISO <paramref name="isoFileName"/> or empty when null.</summary>
    public static XElement NewCdrom(int key, int controllerKey, int unit, string? isoFileName)
        => Typed("device", "VirtualCdrom",
            E("key", Int(key)),
            CdromBacking(isoFileName),
            E("connectable", E("startConnected", "true"), E("allowGuestControl", "true"), E("connected", "false")),
            E("controllerKey", Int(controllerKey)),
            E("unitNumber", Int(unit)));

    /// <summary>
    /// A CD-ROM's backing: an ISO file, or (to eject) an empty remote passthrough drive, as
    /// govmomi's <c>VirtualDeviceList.EjectIso</c> does.
    /// </summary>
    public static XElement CdromBacking(string? isoFileName)
        => isoFileName is null
            ? Typed("backing", "VirtualCdromRemotePassthroughBackingInfo", E("deviceName", ""), E("useAutoDetect", "false"), E("exclusive", "false"))
            : Typed("backing", "VirtualCdromIsoBackingInfo", E("fileName", isoFileName));

    /// <summary>
    /// A data object as the server sent it (an item of <c>config.hardware.device</c>, a port group's
    /// spec), renamed (<c>device</c> by default) and fit to send back in an edit or a remove: every
    /// field kept (vSphere, and vcsim, read the whole object back), every <c>xsi:type</c> without its
    /// prefix (the request declares vim25 as the default namespace), no namespace declarations
    /// carried over from the answer.
    /// </summary>
    public static XElement AsSent(XElement device, string name = "device")
    {
        ArgumentNullException.ThrowIfNull(device);
        var copy = new XElement(device) { Name = Ns + name };
        foreach (var element in copy.DescendantsAndSelf())
        {
            element.Attributes().Where(a => a.IsNamespaceDeclaration).Remove();
            if (element.XsiType() is { } type)
            {
                element.SetAttributeValue(Xsi + "type", type);
            }
        }

        return copy;
    }

    /// <summary>A disk as read, grown to <paramref name="capacityKiB"/> (both capacity fields, so neither contradicts the other).</summary>
    public static XElement Resized(XElement disk, long capacityKiB)
    {
        var edited = AsSent(disk);
        edited.Child("capacityInKB")?.SetValue(capacityKiB.ToString(CultureInfo.InvariantCulture));
        edited.Child("capacityInBytes")?.SetValue((capacityKiB * 1024).ToString(CultureInfo.InvariantCulture));
        return edited;
    }

    /// <summary>A CD-ROM as read, with its backing replaced.</summary>
    public static XElement WithBacking(XElement cdrom, string? isoFileName)
    {
        var edited = AsSent(cdrom);
        var backing = CdromBacking(isoFileName);
        if (edited.Child("backing") is { } old)
        {
            old.ReplaceWith(backing);
        }
        else
        {
            // The backing follows key and deviceInfo.
            (edited.Child("deviceInfo") ?? edited.Child("key")!).AddAfterSelf(backing);
        }

        return edited;
    }

    internal static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
