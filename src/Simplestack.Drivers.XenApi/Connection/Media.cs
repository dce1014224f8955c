using System.Globalization;
using Simplestack.Core;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// The media device is the VM's first CD VBD (lowest userdevice). Mounting names an ISO by its
// VDI's name_label, looked up only in ISO library SRs (never any VDI of that name); a VM without
// a CD drive gets an empty one first, as XenCenter adds it (userdevice 3 when free).
public sealed partial class XenApiConnection : IMediaManagement
{
    private const string PreferredCdUserdevice = "3";

    public async Task<MediaDevice> GetMediaAsync(string guestId, CancellationToken cancellationToken)
    {
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        var drive = await CdDriveAsync(vm, cancellationToken);
        if (drive is not { Record.Empty: false } inserted || XenRefs.IsNull(inserted.Record.Vdi))
        {
            return new MediaDevice(null);
        }

        return new MediaDevice((await Call.Vdi(inserted.Record.Vdi, cancellationToken)).NameLabel);
    }

    /// <summary>Ejects what the drive holds, then inserts the named ISO; null or empty only ejects.</summary>
    public async Task<MediaDevice> SetMediaAsync(string guestId, string? name, CancellationToken cancellationToken)
    {
        var (vmRef, vm) = await FindVmAsync(guestId, cancellationToken);
        if (string.IsNullOrEmpty(name))
        {
            if (await CdDriveAsync(vm, cancellationToken) is { Record.Empty: false } loaded)
            {
                await Call.EjectVbd(loaded.Ref, cancellationToken);
            }

            return new MediaDevice(null);
        }

        var isoRef = await FindIsoAsync(name, cancellationToken); // Before anything changes: an unknown ISO is 400.
        await using var undo = new Reverter(_logger);
        await MountAsync(vmRef, vm, isoRef, undo, cancellationToken);
        undo.Commit();
        return new MediaDevice(name);
    }

    /// <summary>Puts the ISO into the VM's CD drive, adding an empty drive first when it has none.</summary>
    private async Task MountAsync(string vmRef, VmRecord vm, string isoRef, Reverter undo, CancellationToken cancellationToken)
    {
        var drive = await CdDriveAsync(vm, cancellationToken);
        string driveRef;
        if (drive is { } existing)
        {
            driveRef = existing.Ref;
            if (!existing.Record.Empty)
            {
                await Call.EjectVbd(driveRef, cancellationToken);
            }
        }
        else
        {
            if (vm.PowerState != "Halted")
            {
                // xapi cannot hot-plug a CD drive into a running HVM guest.
                throw new ConflictException($"Guest '{vm.NameLabel}' has no CD drive and is {vm.PowerState}: a drive is added while it is halted.");
            }

            var userdevice = await FreeUserdeviceAsync(vmRef, vm, PreferredCdUserdevice, cancellationToken);
            driveRef = await Call.CreateVbd(NewVbd(vmRef, null, userdevice, "CD"), cancellationToken);
            undo.Add($"CD drive of {vm.NameLabel}", () => new ValueTask(Call.DestroyVbd(driveRef, CancellationToken.None)));
        }

        await Call.InsertVbd(driveRef, isoRef, cancellationToken);
    }

    /// <summary>The VM's first CD VBD (lowest userdevice), or null when it has none.</summary>
    private async Task<(string Ref, VbdRecord Record)?> CdDriveAsync(VmRecord vm, CancellationToken cancellationToken)
    {
        var vbds = await Task.WhenAll(vm.Vbds.Select(async vbdRef => (Ref: vbdRef, Record: await Call.Vbd(vbdRef, cancellationToken))));
        var drives = vbds.Where(vbd => vbd.Record.Type == "CD")
            .OrderBy(vbd => int.TryParse(vbd.Record.Userdevice, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue)
            .ToList();
        return drives.Count == 0 ? null : drives[0];
    }

    /// <summary>The ISO VDI of that name in the pool's ISO libraries: 400 when there is none, 409 when several share it.</summary>
    private async Task<string> FindIsoAsync(string name, CancellationToken cancellationToken)
    {
        var srsTask = Call.AllSrs(cancellationToken);
        var vdis = await Call.AllVdis(cancellationToken);
        var libraries = (await srsTask).Where(sr => IsIsoLibrary(sr.Value)).Select(sr => sr.Key).ToHashSet(StringComparer.Ordinal);
        var isos = vdis.Where(vdi => libraries.Contains(vdi.Value.Sr) && !vdi.Value.IsASnapshot && vdi.Value.NameLabel == name).ToList();
        return isos.Count switch
        {
            1 => isos[0].Key,
            0 => throw new InvalidArgumentException($"No ISO named '{name}' is in the pool's ISO libraries."),
            _ => throw new ConflictException($"{isos.Count} ISOs are named '{name}' in the pool's ISO libraries."),
        };
    }
}
