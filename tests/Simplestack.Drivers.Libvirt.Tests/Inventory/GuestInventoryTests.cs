using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Inventory;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt.Tests.Inventory;

/// <summary>
/// The in-memory inventory: the pure store's ordering rules, then the live inventory of a real
/// test-driver connection (in process), where lists answer from memory, the gateway's own writes
/// show on the very next read and changes made beside the gateway (straight through libvirt, as
/// virsh would) show once their lifecycle event has arrived. No timing is asserted here (the
/// 100 ms bound is checked on real libvirtd in the integration tests, speed in bench/).
/// </summary>
public sealed class GuestInventoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Guest G(string id, string name, GuestState state = GuestState.STOPPED, int cpus = 1)
        => new(id, name, cpus, 128, 0, false, false, null, [], state, state == GuestState.STOPPED ? "shutoff" : "running", "host");

    // ---- the store ----

    [Fact]
    public void A_read_that_started_later_wins_whatever_order_the_results_arrive_in()
    {
        var store = new GuestInventory();
        store.Seed([], store.NewTicket());
        var early = store.NewTicket(); // e.g. an event's refresh, read before a write
        var late = store.NewTicket();  // the write's own re-read, after it

        Assert.True(store.Put(G("a", "after-write", cpus: 4), late));
        Assert.False(store.Put(G("a", "before-write", cpus: 1), early));

        var guest = Assert.Single(store.Listed());
        Assert.Equal("after-write", guest.Name);
        Assert.Equal(4, guest.Cpus);
    }

    [Fact]
    public void A_removal_is_not_undone_by_a_read_that_started_before_it()
    {
        var store = new GuestInventory();
        store.Seed([G("a", "a")], store.NewTicket());
        var stale = store.NewTicket();
        store.Remove("a", store.NewTicket());

        Assert.False(store.Put(G("a", "a"), stale));
        Assert.Empty(store.Listed());

        // ...but a later read (the guest was defined again with the same UUID) brings it back.
        Assert.True(store.Put(G("a", "a"), store.NewTicket()));
        Assert.Single(store.Listed());
    }

    [Fact]
    public void A_bulk_read_removes_guests_it_did_not_see_but_keeps_what_later_reads_recorded()
    {
        var store = new GuestInventory();
        store.Seed([G("a", "a"), G("b", "b")], store.NewTicket());
        var bulk = store.NewTicket();
        store.Put(G("c", "c"), store.NewTicket()); // created while the bulk read ran
        store.Put(G("a", "a-renamed"), store.NewTicket());

        store.Seed([G("a", "a")], bulk);

        Assert.Equal(["a-renamed", "c"], store.Listed().Select(g => g.Name));
    }

    [Fact]
    public void The_list_is_ordered_by_name_and_the_same_instance_until_something_changes()
    {
        var store = new GuestInventory();
        Assert.False(store.IsSeeded);
        store.Seed([G("2", "b"), G("1", "a")], store.NewTicket());
        Assert.True(store.IsSeeded);

        var first = store.List();
        Assert.Same(first, store.List());
        Assert.Equal(["a", "b"], first.Listed().Select(g => g.Name));

        store.SetAddresses("1", ["192.0.2.1"]);
        var second = store.List();
        Assert.NotSame(first, second);
        Assert.Equal("192.0.2.1", second.Listed()[0].Ip);
        Assert.Equal(["192.0.2.1"], second.Listed()[0].Ips);

        store.SetAddresses("1", ["192.0.2.1"]); // unchanged: no new snapshot
        Assert.Same(second, store.List());
    }

    [Fact]
    public void An_update_answer_is_stored_without_its_applied_fields()
    {
        var store = new GuestInventory();
        store.Seed([], store.NewTicket());
        store.Put(G("a", "a") with { Applied = new Dictionary<string, string> { ["cpus"] = Applied.Live } }, store.NewTicket());
        Assert.Null(Assert.Single(store.Listed()).Applied);
    }

    [Fact]
    public void Tombstones_expire()
    {
        long now = 0;
        var store = new GuestInventory(() => now);
        store.Seed([G("a", "a")], store.NewTicket());
        var stale = store.NewTicket();
        store.Remove("a", store.NewTicket());
        now += (long)GuestInventory.TombstoneLifetime.TotalMilliseconds + 1;
        store.Seed([], store.NewTicket());

        // The tombstone is gone, so only tickets decide now; the stale read is still older than the seed's removal.
        Assert.Equal(0, store.Count);
        Assert.True(store.Put(G("a", "a"), store.NewTicket()));
        Assert.False(store.Put(G("a", "old"), stale));
    }

    // ---- the live inventory on the test driver ----

    [Fact]
    public async Task Lists_answer_from_memory_after_one_bulk_read()
    {
        await using var connection = await ConnectAsync();
        Assert.True(connection.HasLiveInventory);

        for (var i = 0; i < 20; i++)
        {
            Assert.Contains(await connection.ListGuestsAsync(Ct), g => g.Name == "test");
        }

        Assert.Equal(1, connection.InventoryBulkReads);
    }

    [Fact]
    public async Task The_gateways_own_writes_show_on_the_very_next_list()
    {
        await using var connection = await ConnectAsync();
        var guests = connection.Require<IGuestManagement>();
        var power = connection.Require<IGuestPower>();
        await connection.ListGuestsAsync(Ct); // seeded: from here on lists answer from memory
        var name = Unique();

        var created = await guests.CreateGuestAsync(new GuestCreateRequest(name, Memory: 128, Cpus: 1), Ct);
        try
        {
            Assert.Equal(GuestState.STOPPED, Single(await connection.ListGuestsAsync(Ct), created.Id).State);

            await guests.UpdateGuestAsync(created.Id, new GuestUpdateRequest(Name: name + "-r", Cpus: 2, Memory: 256), Ct);
            var updated = Single(await connection.ListGuestsAsync(Ct), created.Id);
            Assert.Equal((name + "-r", 2, 256L), (updated.Name, updated.Cpus, updated.Memory));

            await power.SetPowerAsync(created.Id, PowerAction.Start, wait: null, Ct);
            Assert.Equal(GuestState.STARTED, Single(await connection.ListGuestsAsync(Ct), created.Id).State);
            await power.SetPowerAsync(created.Id, PowerAction.Pause, wait: null, Ct);
            Assert.Equal(GuestState.PAUSED, Single(await connection.ListGuestsAsync(Ct), created.Id).State);
            await power.SetPowerAsync(created.Id, PowerAction.ForceStop, wait: null, Ct);
            Assert.Equal(GuestState.STOPPED, Single(await connection.ListGuestsAsync(Ct), created.Id).State);

            var clone = await connection.Require<IGuestCloning>().CloneGuestAsync(created.Id, name + "-c", Ct);
            Assert.Contains(await connection.ListGuestsAsync(Ct), g => g.Id == clone.Id && g.Name == name + "-c");
            await guests.DeleteGuestAsync(clone.Id, new GuestDeleteOptions(), Ct);
            Assert.DoesNotContain(await connection.ListGuestsAsync(Ct), g => g.Id == clone.Id);
        }
        finally
        {
            await guests.DeleteGuestAsync(created.Id, new GuestDeleteOptions(), CancellationToken.None);
        }

        Assert.DoesNotContain(await connection.ListGuestsAsync(Ct), g => g.Id == created.Id);
        Assert.Equal(1, connection.InventoryBulkReads);
    }

    [Fact]
    public async Task Changes_made_beside_the_gateway_arrive_through_lifecycle_events()
    {
        await using var connection = await ConnectAsync();
        await connection.ListGuestsAsync(Ct);
        var native = connection.Native; // the same hypervisor, changed as virsh would: not through the driver
        var name = Unique();

        using var domain = native.DefineDomain($"<domain type='test'><name>{name}</name><memory>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>");
        var uuid = domain.Uuid;
        try
        {
            await EventuallyAsync(connection, guests => guests.Any(g => g.Id == uuid && g.Name == name && g.State == GuestState.STOPPED));

            domain.Start();
            await EventuallyAsync(connection, guests => guests.Any(g => g.Id == uuid && g.State == GuestState.STARTED));

            domain.Suspend();
            await EventuallyAsync(connection, guests => guests.Any(g => g.Id == uuid && g.State == GuestState.PAUSED));

            domain.Destroy();
            domain.Rename(name + "-r");
            await EventuallyAsync(connection, guests => guests.Any(g => g.Id == uuid && g.Name == name + "-r" && g.State == GuestState.STOPPED));
        }
        finally
        {
            using var current = native.TryLookupDomainByUuid(uuid);
            current?.Undefine();
        }

        await EventuallyAsync(connection, guests => guests.All(g => g.Id != uuid));
        Assert.Equal(1, connection.InventoryBulkReads);
    }

    private static async Task<LibvirtHypervisorConnection> ConnectAsync()
        => (LibvirtHypervisorConnection)await LibvirtDriver.Test(new LibvirtDriverOptions()).ConnectAsync(new HypervisorTarget("test", "default"), null, Ct);

    private static Guest Single(IReadOnlyList<Guest> guests, string id) => Assert.Single(guests, g => g.Id == id);

    private static string Unique() => "inv-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Polls the list until the condition holds; fails after 10 s (a generous bound: no speed is asserted here).</summary>
    private static async Task EventuallyAsync(IHypervisorConnection connection, Func<IReadOnlyList<Guest>, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition(await connection.ListGuestsAsync(Ct)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the inventory did not catch up with the hypervisor within 10 s");
            await Task.Delay(5, Ct);
        }
    }
}

/// <summary>The store's lists are completed tasks by construction; reading them needs no await.</summary>
internal static class InventoryTestExtensions
{
    public static IReadOnlyList<Guest> Listed(this GuestInventory store) => store.List().Listed();

    public static IReadOnlyList<Guest> Listed(this Task<IReadOnlyList<Guest>> list)
    {
        Assert.True(list.IsCompletedSuccessfully);
        return list.GetAwaiter().GetResult();
    }
}
