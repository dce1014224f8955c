extern alias XenSimulator;

using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Core.Work;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// Idempotency keys as the pool keeps them, read by another client of the pool (not the driver):
/// the stamp in the VM's other_config, the claim in the pool's, the ledger in the guest's; the
/// claim's atomicity between two gateways; progress read from the tasks of the Async calls.
/// </summary>
public sealed class XenIdempotencyTests : SimulatedXenTest
{
    private const string Template = "Other install media";

    // Long enough for the driver's polls to see the tasks' progress move (the simulator grows it in four steps).
    protected override SimulatorOptions Options => new() { AsyncTaskDelay = TimeSpan.FromMilliseconds(1200) };

    private static GuestCreateRequest NewGuest(string name) => new(name, 512, Image: Template, Disks: [new DiskSpec(1)]);

    private static async Task<T> Keyed<T>(IdempotencyStamp stamp, Func<Task<T>> work, List<WorkProgress>? progress = null)
    {
        using var _ = WorkContext.Begin(new WorkContext { Idempotency = stamp, Progress = progress is null ? null : new Collect(progress) });
        return await work();
    }

    private static IdempotencyStamp NewStamp(string body = "body") => IdempotencyStamp.Of(Guid.NewGuid().ToString(), body);

    private static async Task<Dictionary<string, string>> OtherConfigAsync(RawXenApi admin, string method, string objectRef)
        => (await admin.CallAsync(method, objectRef))!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());

    [Fact]
    public async Task The_stamp_is_in_the_vms_other_config_and_a_clone_without_a_key_carries_none()
    {
        using var admin = new RawXenApi(Simulator);
        var stamp = NewStamp();
        var guest = await Keyed(stamp, () => Xen.CreateGuestAsync(NewGuest("stamped"), Ct));

        var config = await OtherConfigAsync(admin, "VM.get_other_config", await admin.VmAsync("stamped"));
        Assert.Equal(stamp.ToString(), config["simplestack_idempotency"]);

        // VM.clone copies other_config: the driver takes the source's stamp off the copy.
        var clone = await Xen.CloneGuestAsync(guest.Id, "unkeyed-copy", Ct);
        Assert.DoesNotContain("simplestack_idempotency", (await OtherConfigAsync(admin, "VM.get_other_config", await admin.VmAsync("unkeyed-copy"))).Keys);
        Assert.Equal(guest.Id, (await Xen.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct))?.CreatedId);
        Assert.NotEqual(guest.Id, clone.Id);
    }

    [Fact]
    public async Task A_stamp_another_gateway_just_wrote_is_found_at_once_from_the_kept_records()
    {
        using var admin = new RawXenApi(Simulator);
        var stamp = NewStamp();
        await Xen.ListGuestsAsync(Ct); // the inventory is seeded
        var bulkReads = Simulator.Calls("VM.get_all_records");
        await admin.CallAsync("VM.add_to_other_config", await admin.VmAsync("build-01"), "simplestack_idempotency", stamp.ToString());

        // No wait for the inventory's loop: the lookup asks for the changes since its records' token itself.
        var found = await Xen.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct);

        Assert.Equal(Simulator.Record("VM", await admin.VmAsync("build-01"))!["uuid"], found?.CreatedId);
        Assert.Equal(stamp.BodyHash, found?.BodyHash);
        Assert.Equal(bulkReads, Simulator.Calls("VM.get_all_records"));
    }

    [Fact]
    public async Task Of_two_gateways_claiming_one_key_at_once_exactly_one_wins()
    {
        var options = new XenApiDriverOptions();
        options.CertificatePins[$"127.0.0.1:{Simulator.Url.Port}"] = Simulator.CertificateSha256;
        await using var other = (XenApiConnection)await new XenApiDriver(options).ConnectAsync(
            new HypervisorTarget("xen", "127.0.0.1", Simulator.Url.Port), new HypervisorCredentials("root", "simplestack"), Ct);
        using var admin = new RawXenApi(Simulator);
        var pool = (await admin.CallAsync("pool.get_all"))![0]!.GetValue<string>();

        for (var round = 0; round < 5; round++)
        {
            var stamp = NewStamp();
            var claims = await Task.WhenAll(new[] { Xen, other }.Select(async gateway =>
            {
                try
                {
                    return (Won: await gateway.MarkStartedAsync(CreatedScope.Guests, stamp, TimeSpan.FromMinutes(1), Ct), Refused: (OperationInProgressException?)null);
                }
                catch (OperationInProgressException refused)
                {
                    return (Won: (IAsyncDisposable?)null, Refused: refused);
                }
            }));

            var winner = Assert.Single(claims, c => c.Won is not null).Won!;
            var loser = Assert.Single(claims, c => c.Refused is not null).Refused!;
            Assert.InRange(loser.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
            var claim = Assert.Single(await OtherConfigAsync(admin, "pool.get_other_config", pool), p => p.Key.StartsWith("simplestack_creating_", StringComparison.Ordinal));
            Assert.Equal("simplestack_creating_" + stamp.KeyHash, claim.Key);
            Assert.StartsWith(stamp + " ", claim.Value, StringComparison.Ordinal);

            await winner.DisposeAsync();
            Assert.DoesNotContain(await OtherConfigAsync(admin, "pool.get_other_config", pool), p => p.Key.StartsWith("simplestack_creating_", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_clone_followed_reports_its_tasks_progress_and_a_plain_one_makes_no_async_call()
    {
        var source = await Xen.CreateGuestAsync(NewGuest("progress-src"), Ct);
        await Xen.CloneGuestAsync(source.Id, "plain-copy", Ct);
        Assert.Equal(0, Simulator.Calls("Async.VM.clone"));

        var progress = new List<WorkProgress>();
        await Keyed(NewStamp(), () => Xen.CloneGuestAsync(source.Id, "followed-copy", Ct), progress);

        Assert.Equal(1, Simulator.Calls("Async.VM.clone"));
        // The task's own steps (a quarter, a half... of the clone's 0-95 %) between the start and the end.
        Assert.Contains(progress, p => p.Percent is > 0 and < 95 && p.Phase == "cloning");
        Assert.Equal(0, progress[0].Percent);
        Assert.Equal(100, progress[^1].Percent);
        for (var i = 1; i < progress.Count; i++)
        {
            Assert.True(progress[i].Percent >= progress[i - 1].Percent, $"progress went back: {progress[i - 1]} then {progress[i]}");
        }
    }

    [Fact]
    public async Task A_keyed_disk_is_in_the_guests_ledger_and_a_snapshot_of_the_guest_is_not_a_second_holder()
    {
        using var admin = new RawXenApi(Simulator);
        var guest = await Xen.CreateGuestAsync(NewGuest("ledgered"), Ct);
        var stamp = NewStamp();
        var disk = await Keyed(stamp, () => Xen.CreateDiskAsync(guest.Id, new DiskCreateRequest(1), Ct));

        var ledger = IdempotencyLedger.Parse((await OtherConfigAsync(admin, "VM.get_other_config", await admin.VmAsync("ledgered")))["simplestack_ledger"]);
        var entry = Assert.Single(ledger);
        Assert.Equal((CreatedKind.Disk, stamp, disk.Id), (entry.Kind, entry.Stamp, entry.CreatedId));

        // The snapshot copies the guest's other_config; keys are still looked up on the guest alone.
        await Xen.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("after-disk"), Ct);
        Assert.Equal(disk.Id, (await Xen.FindCreatedAsync(CreatedScope.On(guest.Id, CreatedKind.Disk), stamp.KeyHash, Ct))?.CreatedId);
        Assert.Null(await Xen.FindCreatedAsync(CreatedScope.On(guest.Id, CreatedKind.Snapshot), stamp.KeyHash, Ct));
    }

    [Fact]
    public async Task Ledger_rewrites_take_turns_with_another_gateway_and_a_lookup_waits_out_a_rewrite()
    {
        using var admin = new RawXenApi(Simulator);
        var guest = await Xen.CreateGuestAsync(NewGuest("turns"), Ct);
        var vm = await admin.VmAsync("turns");
        var first = NewStamp();
        var disk = await Keyed(first, () => Xen.CreateDiskAsync(guest.Id, new DiskCreateRequest(1), Ct));
        Assert.DoesNotContain("simplestack_ledger_turn", (await OtherConfigAsync(admin, "VM.get_other_config", vm)).Keys);

        // Another gateway in the middle of a rewrite for a second: its turn held, the ledger removed.
        var ledger = (await OtherConfigAsync(admin, "VM.get_other_config", vm))["simplestack_ledger"];
        var until = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds();
        await admin.CallAsync("VM.add_to_other_config", vm, "simplestack_ledger_turn", $"{until} another-gateway");
        await admin.CallAsync("VM.remove_from_other_config", vm, "simplestack_ledger");
        var finish = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            await admin.CallAsync("VM.add_to_other_config", vm, "simplestack_ledger", ledger);
            await admin.CallAsync("VM.remove_from_other_config", vm, "simplestack_ledger_turn");
        }, Ct);

        // A lookup meanwhile waits for the ledger to be back, rather than finding nothing made.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(disk.Id, (await Xen.FindCreatedAsync(CreatedScope.On(guest.Id, CreatedKind.Disk), first.KeyHash, Ct))?.CreatedId);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"the lookup answered after {clock.Elapsed.TotalSeconds:0.00} s, inside the other rewrite");
        await finish;

        // A keyed write waits its turn too: with the other gateway's turn held for a second, both entries are kept.
        await admin.CallAsync("VM.add_to_other_config", vm, "simplestack_ledger_turn", $"{until} another-gateway");
        var release = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            await admin.CallAsync("VM.remove_from_other_config", vm, "simplestack_ledger_turn");
        }, Ct);
        var second = NewStamp();
        clock.Restart();
        var snapshot = await Keyed(second, () => Xen.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("turn"), Ct));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"the snapshot was recorded after {clock.Elapsed.TotalSeconds:0.00} s, inside the other turn");
        await release;

        var entries = IdempotencyLedger.Parse((await OtherConfigAsync(admin, "VM.get_other_config", vm))["simplestack_ledger"]);
        Assert.Equal(new[] { disk.Id, snapshot.Id }.Order(), entries.Select(e => e.CreatedId).Order());
        Assert.DoesNotContain("simplestack_ledger_turn", (await OtherConfigAsync(admin, "VM.get_other_config", vm)).Keys);
    }

    [Fact]
    public async Task A_keyed_snapshot_is_still_found_after_the_guest_is_reverted_to_it()
    {
        var guest = await Xen.CreateGuestAsync(NewGuest("reverted"), Ct);
        var stamp = NewStamp();
        var snapshot = await Keyed(stamp, () => Xen.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("keyed"), Ct));

        // xapi's revert copies the snapshot's other_config (taken before its own entry was written) onto the guest.
        await Xen.RevertSnapshotAsync(guest.Id, snapshot.Id, Ct);

        Assert.Equal(snapshot.Id, (await Xen.FindCreatedAsync(CreatedScope.On(guest.Id, CreatedKind.Snapshot), stamp.KeyHash, Ct))?.CreatedId);
    }

    [Fact]
    public async Task An_imported_guest_carries_the_imports_key_not_the_one_its_xva_brought()
    {
        var sourceStamp = NewStamp();
        var source = await Keyed(sourceStamp, () => Xen.CreateGuestAsync(NewGuest("exported"), Ct));
        var export = await Xen.OpenExportAsync(source.Id, Ct);
        using var xva = new MemoryStream();
        await export.WriteToAsync(xva, Ct);
        xva.Position = 0;

        var stamp = NewStamp("import");
        var progress = new List<WorkProgress>();
        var imported = await Keyed(stamp, () => Xen.ImportGuestAsync(xva, xva.Length, null, Ct), progress);

        Assert.Equal(imported.Id, (await Xen.FindCreatedAsync(CreatedScope.Guests, stamp.KeyHash, Ct))?.CreatedId);
        Assert.Equal(source.Id, (await Xen.FindCreatedAsync(CreatedScope.Guests, sourceStamp.KeyHash, Ct))?.CreatedId);
        Assert.Equal(stamp.ToString(), ((IReadOnlyDictionary<string, object?>)Simulator.Record("VM", imported.Id)!["other_config"]!)["simplestack_idempotency"]);
        Assert.Equal((100d, "imported"), (progress[^1].Percent, progress[^1].Phase));
    }

    private sealed class Collect(List<WorkProgress> into) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value)
        {
            lock (into)
            {
                into.Add(value);
            }
        }
    }
}
