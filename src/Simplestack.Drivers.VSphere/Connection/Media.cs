using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

// The media device is the VM's first VirtualCdrom. Its name is the file name of the ISO it holds
// (null when empty). A mount names an ISO file found on the datastores (as the original mounted an
// ISO by its name): a name with a folder or '..' is 400, an ISO no datastore has 400, one that
// several have 409. A powered-off VM without a CD-ROM gets one on its IDE controllers (every
// vSphere VM has two; IDE is not hot-added: a running one is 409); an eject empties the drive (a remote passthrough backing, as govmomi's EjectIso does).
public sealed partial class VSphereConnection : IMediaManagement
{
    public async Task<MediaDevice> GetMediaAsync(string guestId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        return ToMedia(await ReadDevicesAsync(vm, cancellationToken));
    }

    public async Task<MediaDevice> SetMediaAsync(string guestId, string? name, CancellationToken cancellationToken)
    {
        var eject = string.IsNullOrEmpty(name);
        if (!eject)
        {
            CheckFileName(name!, "An ISO name");
        }

        var vm = await FindVmAsync(guestId, cancellationToken);
        var devices = await ReadDevicesAsync(vm, cancellationToken);
        var cdrom = devices.All.FirstOrDefault(d => d.XsiType() == "VirtualCdrom");
        if (eject)
        {
            if (cdrom is not null && ToMedia(devices).Name is not null)
            {
                await RunTaskAsync("ReconfigVM_Task", vm, cancellationToken, DeviceSpecs.Reconfigure(DeviceSpecs.DeviceChange("edit", null, DeviceSpecs.WithBacking(cdrom, null))));
            }

            return ToMedia(await ReadDevicesAsync(vm, cancellationToken));
        }

        if (cdrom is null && devices.PowerState != "poweredOff")
        {
            // vSphere hot-adds no IDE device.
            throw new ConflictException($"Guest '{devices.Name}' has no CD-ROM and is {devices.PowerState}: a CD-ROM is added while it is powered off.");
        }

        var iso = await FindIsoAsync(name!, cancellationToken);
        var change = cdrom is not null
            ? DeviceSpecs.DeviceChange("edit", null, DeviceSpecs.WithBacking(cdrom, iso))
            : NewCdromChange(devices, iso);
        await RunTaskAsync("ReconfigVM_Task", vm, cancellationToken, DeviceSpecs.Reconfigure(change));
        return ToMedia(await ReadDevicesAsync(vm, cancellationToken));
    }

    /// <summary>A CD-ROM on the first IDE controller with a free unit (an IDE bus has two); 409 when both are full.</summary>
    private static System.Xml.Linq.XElement NewCdromChange(VmDevices devices, string iso)
    {
        foreach (var (key, _) in devices.Controllers.Where(c => c.Value.Kind == "ide").OrderBy(c => c.Value.BusNumber))
        {
            var taken = devices.All.Where(d => VmDevices.IntOf(d, "controllerKey") == key).Select(d => VmDevices.IntOf(d, "unitNumber")).ToHashSet();
            foreach (var unit in new[] { 0, 1 }.Where(u => !taken.Contains(u)))
            {
                return DeviceSpecs.DeviceChange("add", null, DeviceSpecs.NewCdrom(-300, key, unit, iso));
            }
        }

        throw new ConflictException($"Guest '{devices.Name}' has no CD-ROM and no free IDE unit to add one on.");
    }

    /// <summary>The datastore path of the one ISO file named <paramref name="name"/> on the datastores.</summary>
    private async Task<string> FindIsoAsync(string name, CancellationToken cancellationToken)
    {
        // The browser's pattern is a glob: a name with glob characters is matched exactly below.
        var pattern = name.IndexOfAny(['*', '?', '[', ']']) >= 0 ? "*" : name;
        var isos = new List<string>();
        foreach (var datastore in await AllDatastoresAsync(cancellationToken))
        {
            isos.AddRange((await SearchVolumesAsync(datastore, pattern, cancellationToken)).Where(v => v.Iso && v.Volume.Name == name).Select(v => v.Volume.Path));
        }

        return isos.Count switch
        {
            1 => isos[0],
            0 => throw new InvalidArgumentException($"No ISO named '{name}' is on the datastores."),
            _ => throw new ConflictException($"{isos.Count} ISOs are named '{name}' on the datastores: {string.Join(", ", isos)}."),
        };
    }

    /// <summary>The first CD-ROM's ISO file name, or null when it holds none (or the VM has no CD-ROM).</summary>
    private static MediaDevice ToMedia(VmDevices devices)
    {
        var backing = devices.All.FirstOrDefault(d => d.XsiType() == "VirtualCdrom")?.Child("backing");
        if (backing?.XsiType() != "VirtualCdromIsoBackingInfo" || backing.ChildValue("fileName") is not { Length: > 0 } file)
        {
            return new MediaDevice(null);
        }

        var inside = file[(file.IndexOf(']', StringComparison.Ordinal) + 1)..].Trim();
        return new MediaDevice(inside[(inside.LastIndexOf('/') + 1)..]);
    }
}
