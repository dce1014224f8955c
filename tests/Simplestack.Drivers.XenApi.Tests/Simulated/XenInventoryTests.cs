extern alias XenSimulator;

using System.Diagnostics;
using Simplestack.Core;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// The xen guest list kept current by event.from, against the simulator: changes made by another
/// client show within a short bound, the gateway's own writes in the very next list, lists after
/// the first ask the pool nothing, and the wait survives session expiry and ends with the connection.
/// </summary>
public sealed class XenInventoryTests : SimulatedXenTest
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static readonly string[] BulkReads =
        ["VM.get_all_records", "VM_guest_metrics.get_all_records", "VBD.get_all_records", "VDI.get_all_records", "host.get_all_records"];

    private RawXenApi _admin = null!;

    protected override SimulatorOptions Options => new() { SlaveListener = false };

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _admin = new RawXenApi(Simulator);
    }

    public override async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await base.DisposeAsync();
    }

    private Task<IReadOnlyList<Guest>> ListAsync() => Xen.ListGuestsAsync(Ct);

    /// <summary>Lists until <paramref name="condition"/> holds, failing past <see cref="Bound"/>; how long it took.</summary>
    private async Task<TimeSpan> ListUntilAsync(Func<IReadOnlyList<Guest>, bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition(await ListAsync()))
        {
            Assert.True(watch.Elapsed < Bound, $"the list did not show {what} within {Bound.TotalSeconds} s");
            await Task.Delay(10, Ct);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{what}: {watch.Elapsed.TotalMilliseconds:0} ms");
        return watch.Elapsed;
    }

    /// <summary>Waits until the connection's event.from wait has reached the pool (the seed was the first call).</summary>
    private async Task UntilWaitingAsync(long eventCallsBefore)
    {
        var watch = Stopwatch.StartNew();
        while (Simulator.Calls("event.from") < eventCallsBefore + 2)
        {
            Assert.True(watch.Elapsed < Bound, "the inventory never waited on event.from");
            await Task.Delay(10, Ct);
        }
    }

    private long BulkReadCalls() => BulkReads.Sum(Simulator.Calls);

    [Fact]
    public async Task Changes_made_by_another_client_show_in_the_list_within_a_short_bound()
    {
        var first = await ListAsync();
        Assert.Contains(first, g => g.Name == "build-01" && g.State == GuestState.STOPPED);
        var build = await _admin.VmAsync("build-01");
        var web = await _admin.VmAsync("web-01");

        await _admin.CallAsync("VM.set_name_label", web, "web-renamed");
        await ListUntilAsync(l => l.Any(g => g.Name == "web-renamed") && l.All(g => g.Name != "web-01"), "a rename");

        var clone = (await _admin.CallAsync("VM.clone", build, "made-elsewhere"))!.GetValue<string>();
        await ListUntilAsync(l => l.Any(g => g.Name == "made-elsewhere"), "a new guest");

        await _admin.CallAsync("VM.destroy", clone);
        await ListUntilAsync(l => l.All(g => g.Name != "made-elsewhere"), "a destroyed guest");

        await _admin.CallAsync("VM.start", build, false, false);
        await ListUntilAsync(l => l.Single(g => g.Name == "build-01").State == GuestState.STARTED, "a start");

        // What the events built is what the pool holds: the same list as a fresh connection reads.
        await using var fresh = (XenApiConnection)await new XenApiDriver(PinnedOptions()).ConnectAsync(
            new HypervisorTarget("xen", "127.0.0.1", Simulator.Url.Port), new HypervisorCredentials(XenGateway.User, XenGateway.Password), Ct);
        Assert.Equal(Shape(await fresh.ListGuestsAsync(Ct)), Shape(await ListAsync()));
    }

    [Fact]
    public async Task The_gateways_own_writes_are_in_the_very_next_list()
    {
        await ListAsync();

        var made = await Xen.CreateGuestAsync(new GuestCreateRequest("own-guest", 1024, Image: "Other install media", Disks: [new DiskSpec(1)]), Ct);
        Assert.Contains(await ListAsync(), g => g.Id == made.Id && g.Hdd == 1);

        for (var i = 0; i < 10; i++)
        {
            var name = $"own-guest-{i}";
            await Xen.UpdateGuestAsync(made.Id, new GuestUpdateRequest(Name: name, Cpus: 1 + (i % 2)), Ct);
            Assert.Equal((name, 1 + (i % 2)), (await ListAsync()).Where(g => g.Id == made.Id).Select(g => (g.Name, g.Cpus)).Single());
        }

        await Xen.SetPowerAsync(made.Id, PowerAction.Start, null, Ct);
        Assert.Equal(GuestState.STARTED, (await ListAsync()).Single(g => g.Id == made.Id).State);

        await Xen.CreateDiskAsync(made.Id, new DiskCreateRequest(Size: 2), Ct);
        Assert.Equal(3, (await ListAsync()).Single(g => g.Id == made.Id).Hdd);

        var copy = await Xen.CloneGuestAsync("build-01", "own-clone", Ct);
        Assert.Contains(await ListAsync(), g => g.Id == copy.Id && g.Name == "own-clone");

        await Xen.SetPowerAsync(made.Id, PowerAction.ForceStop, null, Ct);
        await Xen.DeleteGuestAsync(made.Id, new GuestDeleteOptions(), Ct);
        Assert.DoesNotContain(await ListAsync(), g => g.Id == made.Id);
    }

    [Fact]
    public async Task Lists_after_the_first_read_nothing_from_the_pool()
    {
        var before = BulkReadCalls();
        var first = await ListAsync();
        Assert.Equal(before, BulkReadCalls()); // the seed is one event.from, not the bulk reads
        Assert.True(Xen.Inventory.IsSeeded);

        var events = Simulator.Calls("event.from");
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(first, await ListAsync());
        }

        Assert.Equal(before, BulkReadCalls());
        Assert.Equal(0, Simulator.Calls("VM.get_record"));
        Assert.InRange(Simulator.Calls("event.from") - events, 0, 1); // at most the background wait, which nothing ends
        Assert.Equal(1, Xen.Inventory.Seeds);
    }

    [Fact]
    public async Task Sessions_expired_during_the_wait_keep_the_list_right_and_raise_no_error()
    {
        var events = Simulator.Calls("event.from");
        await ListAsync();
        await UntilWaitingAsync(events);

        Simulator.ExpireSessions();
        await _admin.CallAsync("VM.set_name_label", await _admin.VmAsync("db-01"), "db-after-expiry");
        await ListUntilAsync(l => l.Any(g => g.Name == "db-after-expiry"), "a rename after the sessions expired");

        Assert.Equal(2, Xen.Logins); // logged in again once, by the wait or a list, not both
        Assert.Equal(1, Simulator.OpenSessionsByOriginator.GetValueOrDefault("simplestack"));
        Assert.True(Xen.Inventory.Enabled);
    }

    [Fact]
    public async Task Disposing_theXen_ends_the_wait_at_once_and_logs_the_session_out()
    {
        var events = Simulator.Calls("event.from");
        await ListAsync();
        await UntilWaitingAsync(events);
        Assert.Equal(1, Simulator.OpenSessionsByOriginator.GetValueOrDefault("simplestack"));

        var watch = Stopwatch.StartNew();
        await Xen.DisposeAsync();

        Assert.InRange(watch.Elapsed.TotalSeconds, 0, 5); // not held by the 30 s wait
        Assert.Equal(0, Simulator.OpenSessionsByOriginator.GetValueOrDefault("simplestack"));
        Assert.Equal(0, Simulator.OpenSessions);
    }

    [Fact]
    public async Task The_wait_holds_none_of_the_call_slots_requests_need()
    {
        var options = PinnedOptions();
        options.MaxConcurrentCalls = 1;
        options.CallTimeoutSeconds = 3;
        await using var narrow = (XenApiConnection)await new XenApiDriver(options).ConnectAsync(
            new HypervisorTarget("xen", "127.0.0.1", Simulator.Url.Port), new HypervisorCredentials(XenGateway.User, XenGateway.Password), Ct);
        var events = Simulator.Calls("event.from");
        await narrow.ListGuestsAsync(Ct);
        await UntilWaitingAsync(events);

        // One slot, and the inventory's 30 s wait in flight: a call still gets the slot at once (else 504 after 3 s).
        var watch = Stopwatch.StartNew();
        await narrow.GetPoolInfoAsync(Ct);
        await narrow.GetGuestAsync("web-01", Ct);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0, 2);
    }

    private static List<string> Shape(IEnumerable<Guest> guests)
        => [.. guests.Select(g => $"{g.Id} {g.Name} {g.State}/{g.StateDetail} {g.Cpus} {g.Memory} {g.Hdd} {g.Host} {g.ToolsUpToDate} {string.Join(',', g.Ips)}")];

    private XenApiDriverOptions PinnedOptions()
    {
        var options = new XenApiDriverOptions();
        options.CertificatePins[$"127.0.0.1:{Simulator.Url.Port}"] = Simulator.CertificateSha256;
        return options;
    }
}
