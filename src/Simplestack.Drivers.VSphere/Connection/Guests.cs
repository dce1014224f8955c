using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere;

// Guests are the VirtualMachines that are not templates. The list comes from the connection's
// inventory (Inventory/VSphereInventory.cs: kept by WaitForUpdatesEx, no call once seeded), else
// from one RetrievePropertiesEx over a ContainerView of VirtualMachine and HostSystem (the hosts for
// their names); one guest is found by SearchIndex.FindByUuid (config.uuid, then instanceUuid) or by
// name, then read alone, never from the inventory.
public sealed partial class VSphereConnection
{
    public Task<IReadOnlyList<Guest>> ListGuestsAsync(CancellationToken cancellationToken) => _inventory.ListAsync(cancellationToken);

    /// <summary>Every guest in one bulk read: what a list answers while the inventory is off or backing off.</summary>
    private async Task<IReadOnlyList<Guest>> ReadAllGuestsAsync(CancellationToken cancellationToken)
    {
        var objects = await _collector.RetrieveAllAsync(
            new Dictionary<string, string[]> { ["VirtualMachine"] = GuestMapping.Paths, ["HostSystem"] = ["name"] },
            cancellationToken);
        var hostNames = objects.Where(o => o.Obj.Type == "HostSystem").ToDictionary(o => o.Obj, o => o.Text("name") ?? "");
        return [.. objects
            .Where(GuestMapping.IsGuest)
            .Select(vm => GuestMapping.ToGuest(vm, HostName(vm, hostNames)))
            .OrderBy(g => g.Name, StringComparer.Ordinal)];
    }

    public async Task<Guest> GetGuestAsync(string guestId, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        return await ReadGuestAsync(vm, cancellationToken);
    }

    private async Task<Guest> ReadGuestAsync(MoRef vm, CancellationToken cancellationToken)
    {
        var content = await _collector.RetrieveOneAsync(vm, GuestMapping.Paths, cancellationToken);
        var hostName = "";
        if (content.Val("runtime.host") is { } host)
        {
            hostName = (await _collector.RetrieveOneAsync(MoRef.From(host), ["name"], cancellationToken)).Text("name") ?? "";
        }

        return GuestMapping.ToGuest(content, hostName);
    }

    /// <summary>
    /// The VM a guest id names: a UUID is looked up as config.uuid (the BIOS UUID, the API's id),
    /// then as instanceUuid; anything else is a name, which must be unique. Templates are not guests (404).
    /// </summary>
    private async Task<MoRef> FindVmAsync(string guestId, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(guestId, out var uuid))
        {
            foreach (var instance in new[] { false, true })
            {
                // vSphere writes uuids in lower case and compares them as text.
                var found = (await _session.CallAsync("FindByUuid", _session.Content.SearchIndex, cancellationToken,
                    E("uuid", uuid.ToString("D")), E("vmSearch", "true"), E("instanceUuid", Bool(instance)))).Child("returnval");
                if (found is not null)
                {
                    var vm = MoRef.From(found);
                    var template = await _collector.RetrieveOneAsync(vm, ["config.template"], cancellationToken);
                    return template.Bool("config.template") ? throw EntityNotFoundException.Of("Guest", guestId) : vm;
                }
            }
        }

        var named = (await _collector.RetrieveAllAsync(
                new Dictionary<string, string[]> { ["VirtualMachine"] = ["name", "config.uuid", "config.template"] }, cancellationToken))
            .Where(vm => GuestMapping.IsGuest(vm) && vm.Text("name") == guestId)
            .ToList();
        return named.Count switch
        {
            1 => named[0].Obj,
            0 => throw EntityNotFoundException.Of("Guest", guestId),
            _ => throw new ConflictException($"{named.Count} guests are named '{guestId}': name one by its id."),
        };
    }

    private static string HostName(ObjectContent vm, Dictionary<MoRef, string> hostNames)
        => vm.Val("runtime.host") is { } host ? hostNames.GetValueOrDefault(MoRef.From(host), "") : "";
}
