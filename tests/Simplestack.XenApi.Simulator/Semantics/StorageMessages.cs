using System.Globalization;
using Simplestack.XenApi.Simulator.Model;
using Simplestack.XenApi.Simulator.Protocol;

namespace Simplestack.XenApi.Simulator.Semantics;

/// <summary>
/// Disks: VDIs in SRs (the SR's virtual_allocation and physical_utilisation follow them, and
/// SR_FULL [requested, maximum] when one would not fit), and VBDs linking them to VMs, with CD
/// insert and eject on removable media only (VBD_NOT_EMPTY, VBD_IS_EMPTY, VBD_NOT_REMOVABLE_MEDIA),
/// plug only into a running VM, unplug only of a plugged, unpluggable VBD, and VDI.resize that
/// only grows a VDI no running VM has plugged (VDI_TOO_SMALL, VDI_IN_USE).
/// </summary>
internal static class StorageMessages
{
    public static void Register(Dictionary<string, Handler> handlers)
    {
        handlers["VDI.create"] = c =>
        {
            var record = Wire.AsMap(c.Args[0]);
            var sr = Wire.AsString(record.GetValueOrDefault("SR"));
            c.Store.Get("SR", sr);
            Reserve(c, sr, Wire.AsLong(record.GetValueOrDefault("virtual_size") ?? 0L));
            return c.Store.Create("VDI", record);
        };
        handlers["VDI.destroy"] = c => { c.Record("VDI", 0); DestroyVdi(c, c.Ref(0)); return null; };
        handlers["VDI.resize"] = c => Resize(c, online: false);
        handlers["VDI.resize_online"] = c => Resize(c, online: true);
        handlers["VDI.copy"] = c => { c.Record("VDI", 0); return CloneVdi(c, c.Ref(0), c.Ref(1), snapshot: false); };
        handlers["VDI.clone"] = c => { c.Record("VDI", 0); return CloneVdi(c, c.Ref(0), null, snapshot: false); };
        handlers["VDI.snapshot"] = c => { c.Record("VDI", 0); return CloneVdi(c, c.Ref(0), null, snapshot: true); };

        handlers["VBD.create"] = CreateVbd;
        handlers["VBD.insert"] = c =>
        {
            var vbd = RemovableMedia(c);
            if (!(bool)vbd["empty"]!)
            {
                throw new XenApiException(ErrorCodes.VBD_NOT_EMPTY, c.Ref(0));
            }
            c.Record("VDI", 1);
            c.Store.Set("VBD", c.Ref(0), "VDI", c.Ref(1));
            c.Store.Set("VBD", c.Ref(0), "empty", false);
            return null;
        };
        handlers["VBD.eject"] = c =>
        {
            var vbd = RemovableMedia(c);
            if ((bool)vbd["empty"]!)
            {
                throw new XenApiException(ErrorCodes.VBD_IS_EMPTY, c.Ref(0));
            }
            c.Store.Set("VBD", c.Ref(0), "VDI", Wire.NullRef);
            c.Store.Set("VBD", c.Ref(0), "empty", true);
            return null;
        };
        handlers["VBD.plug"] = c =>
        {
            var vbd = c.Record("VBD", 0);
            var vmRef = (string)vbd["VM"]!;
            var state = (string)c.Store.Get("VM", vmRef)["power_state"]!;
            if (state != "Running")
            {
                throw new XenApiException(ErrorCodes.VM_BAD_POWER_STATE, vmRef, "Running", state);
            }
            if ((bool)vbd["currently_attached"]!)
            {
                throw new XenApiException("DEVICE_ALREADY_ATTACHED", c.Ref(0));
            }
            c.Store.Set("VBD", c.Ref(0), "currently_attached", true);
            return null;
        };
        handlers["VBD.unplug"] = c => Unplug(c, force: false);
        handlers["VBD.unplug_force"] = c => Unplug(c, force: true);
        handlers["VBD.destroy"] = c =>
        {
            // xapi refuses to destroy a VBD the running VM still has plugged.
            if ((bool)c.Record("VBD", 0)["currently_attached"]!)
            {
                throw new XenApiException(ErrorCodes.OPERATION_NOT_ALLOWED, "VBD currently attached to a running VM");
            }
            c.Store.Destroy("VBD", c.Ref(0));
            return null;
        };
    }

    /// <summary>Only CD (and floppy) VBDs take insert and eject: VBD_NOT_REMOVABLE_MEDIA otherwise.</summary>
    private static Dictionary<string, object?> RemovableMedia(CallContext c)
    {
        var vbd = c.Record("VBD", 0);
        if ((string)vbd["type"]! is not ("CD" or "Floppy"))
        {
            throw new XenApiException(ErrorCodes.VBD_NOT_REMOVABLE_MEDIA, c.Ref(0));
        }
        return vbd;
    }

    /// <summary>VBD.unplug: DEVICE_ALREADY_DETACHED when not plugged, VBD_NOT_UNPLUGGABLE unless the VBD allows it (or forced).</summary>
    private static object? Unplug(CallContext c, bool force)
    {
        var vbd = c.Record("VBD", 0);
        if (!(bool)vbd["currently_attached"]!)
        {
            throw new XenApiException(ErrorCodes.DEVICE_ALREADY_DETACHED, c.Ref(0));
        }
        if (!force && !(bool)vbd["unpluggable"]!)
        {
            throw new XenApiException("VBD_NOT_UNPLUGGABLE", c.Ref(0));
        }
        c.Store.Set("VBD", c.Ref(0), "currently_attached", false);
        return null;
    }

    public static string CreateVdi(CallContext c, string sr, string name, long size, string type)
    {
        Reserve(c, sr, size);
        return c.Store.Create("VDI", new()
        {
            ["name_label"] = name,
            ["SR"] = sr,
            ["virtual_size"] = size,
            ["physical_utilisation"] = size / 4,
            ["type"] = type,
            ["location"] = Guid.NewGuid().ToString(),
        });
    }

    /// <summary>A full copy of a VDI, into <paramref name="sr"/> or its own SR.</summary>
    public static string CloneVdi(CallContext c, string vdiRef, string? sr, bool snapshot)
    {
        var record = Wire.AsMap(Wire.Copy(c.Store.Get("VDI", vdiRef)));
        record.Remove("uuid");
        record.Remove("VBDs");
        record.Remove("snapshots");
        record["SR"] = sr is null or Wire.NullRef ? record["SR"] : sr;
        record["is_a_snapshot"] = snapshot;
        record["snapshot_of"] = snapshot ? vdiRef : Wire.NullRef;
        record["snapshot_time"] = snapshot ? c.State.Now : Wire.ParseDateTime("19700101T00:00:00Z");
        record["location"] = Guid.NewGuid().ToString();
        Reserve(c, (string)record["SR"]!, (long)record["virtual_size"]!);
        var copy = c.Store.Create("VDI", record);
        c.State.Disks.Copy(vdiRef, copy);
        return copy;
    }

    /// <summary>VDI.destroy: refused while attached (VDI_IN_USE); its detached VBDs go with it.</summary>
    public static void DestroyVdi(CallContext c, string vdiRef)
    {
        var vdi = c.Store.Get("VDI", vdiRef);
        var vbds = Wire.AsList(vdi["VBDs"]).Select(Wire.AsString).ToList();
        if (vbds.Any(v => (bool)c.Store.Get("VBD", v)["currently_attached"]!))
        {
            throw new XenApiException(ErrorCodes.VDI_IN_USE, vdiRef, "destroy");
        }
        foreach (var vbd in vbds)
        {
            c.Store.Destroy("VBD", vbd);
        }
        Reserve(c, (string)vdi["SR"]!, -(long)vdi["virtual_size"]!);
        c.Store.Destroy("VDI", vdiRef);
        c.State.Disks.Remove(vdiRef);
    }

    private static object? Resize(CallContext c, bool online)
    {
        var vdi = c.Record("VDI", 0);
        var size = c.Long(1);
        var current = (long)vdi["virtual_size"]!;
        // An ext or LVM SR resizes a VDI only while no running VM has it plugged.
        if (!online && Wire.AsList(vdi["VBDs"]).Any(v => (bool)c.Store.Get("VBD", Wire.AsString(v))["currently_attached"]!))
        {
            throw new XenApiException(ErrorCodes.VDI_IN_USE, c.Ref(0), "resize");
        }
        if (size < current)
        {
            throw new XenApiException(ErrorCodes.VDI_TOO_SMALL, c.Ref(0), size.ToString(CultureInfo.InvariantCulture));
        }
        Reserve(c, (string)vdi["SR"]!, size - current);
        vdi["virtual_size"] = size;
        c.Store.Touch("VDI", c.Ref(0));
        return null;
    }

    private static object? CreateVbd(CallContext c)
    {
        var record = Wire.AsMap(Wire.Copy(c.Args[0]));
        var vmRef = Wire.AsString(record.GetValueOrDefault("VM"));
        var vm = c.Store.Get("VM", vmRef);
        var vdi = Wire.AsString(record.GetValueOrDefault("VDI"));
        var empty = record.TryGetValue("empty", out var e) && Wire.AsBool(e);
        if (!empty)
        {
            c.Store.Get("VDI", vdi);
        }
        if (Wire.AsString(record.GetValueOrDefault("userdevice")) is "" or "autodetect")
        {
            var used = Wire.AsList(vm["VBDs"]).Select(r => (string?)c.Store.Get("VBD", (string)r!)["userdevice"]).ToHashSet();
            record["userdevice"] = Enumerable.Range(0, 16).Select(i => i.ToString(CultureInfo.InvariantCulture)).First(d => !used.Contains(d));
        }
        record["device"] = "xvd" + (char)('a' + int.Parse(Wire.AsString(record["userdevice"]), CultureInfo.InvariantCulture));
        return c.Store.Create("VBD", record);
    }

    /// <summary>Counts bytes against an SR's size; negative gives them back.</summary>
    public static void Reserve(CallContext c, string srRef, long bytes)
    {
        if (!c.Store.Exists("SR", srRef))
        {
            return;
        }
        var sr = c.Store.Get("SR", srRef);
        var allocated = (long)sr["virtual_allocation"]! + bytes;
        var size = (long)sr["physical_size"]!;
        if (bytes > 0 && (string)sr["content_type"]! != "iso" && allocated > size)
        {
            throw new XenApiException(ErrorCodes.SR_FULL, bytes.ToString(CultureInfo.InvariantCulture), (size - allocated + bytes).ToString(CultureInfo.InvariantCulture));
        }
        sr["virtual_allocation"] = allocated;
        sr["physical_utilisation"] = Math.Max(0, (long)sr["physical_utilisation"]! + bytes / 4);
        c.Store.Touch("SR", srRef);
    }
}
