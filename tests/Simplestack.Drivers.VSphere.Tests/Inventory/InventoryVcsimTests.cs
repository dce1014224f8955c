using System.Diagnostics;
using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Driver;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Inventory;

/// <summary>
/// The guest inventory against a vCenter vcsim: lists from memory once seeded (no
/// RetrievePropertiesEx), changes made behind the gateway's back (the tests' own SOAP client,
/// pyVmomi) listed within <see cref="Bound"/>, the gateway's own writes in the very next list, a
/// session ended mid-wait made again, disposal leaving no loop and no session. Each test leaves
/// vcsim's four VMs as it found them (running, their names).
/// </summary>
public sealed class InventoryVcsimTests(VcsimVpxFixture vpx) : IClassFixture<VcsimVpxFixture>
{
    /// <summary>How long a change made outside may take to show: vcsim answers a wait within 250 ms.</summary>
    internal static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_seeded_list_makes_no_vSphere_call_and_matches_vcsim()
    {
        using var outside = await OutsideClient.LoginAsync(vpx.Vcsim, Ct);
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);

        var first = await connection.ListGuestsAsync(Ct);
        var calls = CallsBesidesTheWait(connection);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(first, await connection.ListGuestsAsync(Ct));
        }

        Assert.Equal(calls, CallsBesidesTheWait(connection));
        Assert.Equal(0, connection.Session.Calls("RetrievePropertiesEx"));
        Assert.Equal(1, connection.Inventory.Seeds);
        Assert.Equal((await outside.VmIdsAsync(Ct)).Keys.Order(StringComparer.Ordinal), first.Select(g => g.Name));
        Assert.All(first, g => Assert.StartsWith("DC0_", g.Host, StringComparison.Ordinal));
        Assert.All(first, g => Assert.Equal(GuestState.STARTED, g.State));
    }

    [Fact]
    public async Task Power_and_name_changed_outside_show_within_the_bound_without_a_bulk_read()
    {
        using var outside = await OutsideClient.LoginAsync(vpx.Vcsim, Ct);
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        await connection.ListGuestsAsync(Ct);
        var renamed = $"ss-out-{Guid.NewGuid():N}"[..16];

        await outside.RunTaskAsync("DC0_H0_VM1", "PowerOffVM_Task", Ct);
        await EventuallyAsync(connection, guests => guests.Any(g => g.Name == "DC0_H0_VM1" && g.State == GuestState.STOPPED));
        await outside.RunTaskAsync("DC0_H0_VM1", "Rename_Task", Ct, new XElement(VimSoap.Vim + "newName", renamed));
        await EventuallyAsync(connection, guests => guests.Any(g => g.Name == renamed) && guests.All(g => g.Name != "DC0_H0_VM1"));
        await outside.RunTaskAsync(renamed, "Rename_Task", Ct, new XElement(VimSoap.Vim + "newName", "DC0_H0_VM1"));
        await outside.RunTaskAsync("DC0_H0_VM1", "PowerOnVM_Task", Ct);
        await EventuallyAsync(connection, guests => guests.Any(g => g.Name == "DC0_H0_VM1" && g.State == GuestState.STARTED));

        Assert.Equal(0, connection.Session.Calls("RetrievePropertiesEx"));
        Assert.Equal(1, connection.Inventory.Seeds);
    }

    [Fact]
    public async Task The_gateways_own_create_power_rename_and_delete_show_in_the_very_next_list()
    {
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        await connection.ListGuestsAsync(Ct);
        var name = $"ss-own-{Guid.NewGuid():N}"[..16];
        var renamed = name + "-b";

        var guest = await connection.CreateGuestAsync(new GuestCreateRequest(name, 64, Disks: [new DiskSpec(1)]), Ct);
        Assert.Equal(GuestState.STOPPED, Single(await connection.ListGuestsAsync(Ct), name).State);

        await connection.SetPowerAsync(guest.Id, PowerAction.Start, null, Ct);
        Assert.Equal(GuestState.STARTED, Single(await connection.ListGuestsAsync(Ct), name).State);
        await connection.SetPowerAsync(guest.Id, PowerAction.ForceStop, null, Ct);
        Assert.Equal(GuestState.STOPPED, Single(await connection.ListGuestsAsync(Ct), name).State);

        // vcsim's ReconfigVM_Task reports the devices, not the name or memory: the catch-up reads the VM again.
        await connection.UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Name: renamed, Memory: 128), Ct);
        var updated = Single(await connection.ListGuestsAsync(Ct), renamed);
        Assert.Equal((guest.Id, 128L), (updated.Id, updated.Memory));
        Assert.DoesNotContain(await connection.ListGuestsAsync(Ct), g => g.Name == name);

        await connection.DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);
        Assert.DoesNotContain(await connection.ListGuestsAsync(Ct), g => g.Id == guest.Id);
        Assert.Equal(1, connection.Inventory.Seeds);
    }

    [Fact]
    public async Task Lists_made_together_after_the_gateways_write_all_show_it()
    {
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        await connection.ListGuestsAsync(Ct);

        foreach (var (action, state) in new[] { (PowerAction.ForceStop, GuestState.STOPPED), (PowerAction.Start, GuestState.STARTED) })
        {
            await connection.SetPowerAsync("DC0_H0_VM0", action, null, Ct);
            var lists = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => connection.ListGuestsAsync(Ct), Ct)));
            Assert.All(lists, guests => Assert.Equal(state, Single(guests, "DC0_H0_VM0").State));
        }

        Assert.Equal(1, connection.Inventory.Seeds);
    }

    [Fact]
    public async Task A_vm_made_by_pyVmomi_is_listed_within_the_inventorys_refresh_and_gone_once_destroyed_outside()
    {
        using var outside = await OutsideClient.LoginAsync(vpx.Vcsim, Ct);
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        await connection.ListGuestsAsync(Ct);
        var name = $"ss-py-{Guid.NewGuid():N}"[..16];

        Assert.Equal(name, (await outside.PyVmomiAsync(Ct, "create", name)).GetProperty("created").GetString());
        var listed = await EventuallyAsync(connection, guests => guests.Any(g => g.Name == name));
        Assert.Equal((64L, 1, GuestState.STOPPED), listed.Where(g => g.Name == name).Select(g => (g.Memory, g.Cpus, g.State)).Single());

        await outside.PyVmomiAsync(Ct, "destroy", name);
        await EventuallyAsync(connection, guests => guests.All(g => g.Name != name));
        Assert.Equal(1, connection.Inventory.Seeds);
    }

    [Fact]
    public async Task A_session_ended_mid_wait_is_made_again_and_the_list_still_converges()
    {
        using var outside = await OutsideClient.LoginAsync(vpx.Vcsim, Ct);
        var before = await outside.SessionKeysAsync(Ct);
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        await connection.ListGuestsAsync(Ct);
        var mine = Assert.Single((await outside.SessionKeysAsync(Ct)).Except(before));
        await Task.Delay(500, Ct); // the loop is in its wait

        await outside.TerminateSessionAsync(mine, Ct);
        await outside.RunTaskAsync("DC0_C0_RP0_VM0", "PowerOffVM_Task", Ct);

        await EventuallyAsync(connection, guests => guests.Any(g => g.Name == "DC0_C0_RP0_VM0" && g.State == GuestState.STOPPED));
        await EventuallyAsync(connection, _ => connection.Logins == 2 && connection.Inventory.Seeds == 2);
        await outside.RunTaskAsync("DC0_C0_RP0_VM0", "PowerOnVM_Task", Ct);
        await EventuallyAsync(connection, guests => guests.Any(g => g.Name == "DC0_C0_RP0_VM0" && g.State == GuestState.STARTED));
        Assert.DoesNotContain(mine, await outside.SessionKeysAsync(Ct));
        Assert.Single((await outside.SessionKeysAsync(Ct)).Except(before));
    }

    [Fact]
    public async Task The_loops_wait_holds_no_call_slot_even_when_the_connection_has_one()
    {
        var options = new VSphereDriverOptions { MaxConcurrentCalls = 1, CallTimeoutSeconds = 5 };
        options.CertificatePins[$"127.0.0.1:{vpx.Vcsim.Port}"] = vpx.Vcsim.CertificateSha256;
        await using var connection = (VSphereConnection)await new VSphereDriver(options)
            .ConnectAsync(VcsimConnection.Target(vpx.Vcsim), new HypervisorCredentials(vpx.Vcsim.User, vpx.Vcsim.Password), Ct);
        await connection.ListGuestsAsync(Ct);
        await Task.Delay(500, Ct); // the loop is in its 30 s wait

        var watch = Stopwatch.StartNew();
        Assert.Equal(4, (await connection.ListHostsAsync(Ct)).Count);
        Assert.Equal("DC0_H0_VM0", (await connection.GetGuestAsync("DC0_H0_VM0", Ct)).Name);

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(4));
        Assert.True(connection.Inventory.IsWatching);
    }

    [Fact]
    public async Task Disposal_stops_the_loop_at_once_and_leaves_no_session()
    {
        using var outside = await OutsideClient.LoginAsync(vpx.Vcsim, Ct);
        var before = await outside.SessionKeysAsync(Ct);
        var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        await connection.ListGuestsAsync(Ct);
        Assert.True(connection.Inventory.IsWatching);
        await Task.Delay(500, Ct); // the loop is in its 30 s wait

        var watch = Stopwatch.StartNew();
        await connection.DisposeAsync();

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.False(connection.Inventory.IsWatching);
        Assert.False(connection.Inventory.IsSeeded);
        Assert.Equal(1, connection.Session.Calls("DestroyPropertyCollector"));
        Assert.Empty((await outside.SessionKeysAsync(Ct)).Except(before));
    }

    private static Guest Single(IReadOnlyList<Guest> guests, string name) => Assert.Single(guests, g => g.Name == name);

    /// <summary>Every call the session made but the loop's waits and the catch-ups' cancels.</summary>
    internal static int CallsBesidesTheWait(VSphereConnection connection)
        => new[] { "RetrievePropertiesEx", "ContinueRetrievePropertiesEx", "CreateContainerView", "CreateFilter", "CreatePropertyCollector", "FindByUuid" }
            .Sum(connection.Session.Calls);

    /// <summary>Lists until <paramref name="done"/> holds, within <see cref="Bound"/>; returns that list.</summary>
    internal static async Task<IReadOnlyList<Guest>> EventuallyAsync(VSphereConnection connection, Func<IReadOnlyList<Guest>, bool> done)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var guests = await connection.ListGuestsAsync(Ct);
            if (done(guests))
            {
                return guests;
            }

            Assert.True(watch.Elapsed < Bound, $"Not within {Bound.TotalSeconds} s; the list: {string.Join(", ", guests.Select(g => $"{g.Name} {g.State}"))}"
                + $" (waits {connection.Session.Calls("WaitForUpdatesEx")}, collectors {connection.Session.Calls("CreatePropertyCollector")}, logins {connection.Logins}, seeds {connection.Inventory.Seeds}, watching {connection.Inventory.IsWatching}, seeded {connection.Inventory.IsSeeded})");
            await Task.Delay(100, Ct);
        }
    }
}
