using Simplestack.Core;
using Simplestack.Core.Work;

namespace Simplestack.Drivers.XenApi;

// A clone is VM.clone of a halted guest (the original's call): xapi gives it a new uuid, new MACs
// (its VIFs are copied without their addresses), the source's tags and settings, and a new VDI for
// every disk (VDI.clone; CDs are shared, not copied). VM.clone, not VM.copy: each cloned VDI is a
// VDI of its own that can be destroyed without touching the source's (the storage shares unchanged
// blocks underneath, copy-on-write), which is what the API asks of "copied disks", and it is fast
// on every SR that can clone; VM.copy would move every byte, which only a copy to another SR needs.
public sealed partial class XenApiConnection
{
    public async Task<Guest> CloneGuestAsync(string guestId, string name, CancellationToken cancellationToken)
    {
        CheckName(name, "guest");
        var (vmRef, vm) = await FindVmAsync(guestId, cancellationToken);
        if (vm.PowerState != "Halted")
        {
            throw new ConflictException($"Cannot clone guest '{vm.NameLabel}': it is {vm.PowerState}; stop it first.");
        }

        var vms = await Call.AllVms(cancellationToken);
        if (vms.Values.Any(other => GuestMapping.IsGuest(other) && other.NameLabel == name))
        {
            throw new ConflictException($"A guest named '{name}' exists already.");
        }

        await using var undo = new Reverter(_logger);
        var cloneRef = await CloneVmAsync(vmRef, name, new(0, 95, "cloning"), cancellationToken);
        undo.Add($"clone {name}", async () =>
        {
            var made = await Call.Vm(cloneRef, CancellationToken.None);
            await DestroyVmAndOwnDisksAsync(cloneRef, made, keepDisks: false, CancellationToken.None);
        });

        await StampMadeVmAsync(cloneRef, vm.OtherConfig, cancellationToken); // the source's key is not the clone's
        var guest = await ReadGuestAsync(cloneRef, cancellationToken);
        undo.Commit();
        WorkContext.Report(100, "cloned");
        return guest;
    }
}
