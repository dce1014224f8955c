using System.Text.Json;
using System.Text.Json.Nodes;
using Simplestack.Core;
using Simplestack.Drivers.XenApi.Inventory;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi.Tests;

public class InventoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static EventRecord Event(string cls, string operation, string reference, string? snapshot = null)
        => new() { Class = cls, Operation = operation, Ref = reference, Snapshot = snapshot is null ? null : JsonDocument.Parse(snapshot).RootElement.Clone() };

    /// <summary>A whole VM record, as xapi always sends one (every field): the defaults, then <paramref name="fields"/> (single quotes for double).</summary>
    private static string Vm(string fields)
        => ("{'is_a_template':false,'is_a_snapshot':false,'is_control_domain':false,'domain_type':'hvm','HVM_boot_policy':'BIOS order',"
            + "'resident_on':'OpaqueRef:NULL','guest_metrics':'OpaqueRef:NULL','VBDs':[],'VIFs':[],'tags':[],'snapshots':[],'other_config':{}," + fields + "}").Replace('\'', '"');

    [Fact]
    public void Records_follow_add_mod_and_del_and_the_guest_is_built_from_its_vbds_vdis_metrics_and_host()
    {
        var records = new GuestRecords();
        records.Apply([
            Event("host", "add", "OpaqueRef:h", """{"uuid":"h","name_label":"xcp1"}"""),
            Event("vdi", "add", "OpaqueRef:d", """{"uuid":"d","virtual_size":"2147483648"}"""),
            Event("vbd", "add", "OpaqueRef:b", """{"VM":"OpaqueRef:v","VDI":"OpaqueRef:d","type":"Disk","empty":false}"""),
            Event("vm_guest_metrics", "add", "OpaqueRef:m", """{"networks":{"0/ip":"10.0.0.5"},"PV_drivers_detected":true}"""),
            Event("vm", "add", "OpaqueRef:v", Vm("'uuid':'v','name_label':'web','power_state':'Running','VCPUs_at_startup':2,'memory_dynamic_max':1073741824,'resident_on':'OpaqueRef:h','guest_metrics':'OpaqueRef:m','VBDs':['OpaqueRef:b']")),
            Event("vm", "add", "OpaqueRef:t", Vm("'uuid':'t','name_label':'tpl','is_a_template':true")),
            Event("sr", "add", "OpaqueRef:s", """{"uuid":"s"}"""),
        ]);

        var web = Assert.Single(records.Guests());
        Assert.Equal(("web", 2, 1024L, 2d, "xcp1", "10.0.0.5"), (web.Name, web.Cpus, web.Memory, web.Hdd, web.Host, web.Ip));

        records.Apply([Event("vm", "mod", "OpaqueRef:v", Vm("'uuid':'v','name_label':'web2','power_state':'Halted','VBDs':['OpaqueRef:b']"))]);
        Assert.Equal(("web2", "Halted", 2d, ""), records.Guests().Select(g => (g.Name, g.StateDetail, g.Hdd, g.Host)).Single());

        records.Apply([Event("vdi", "del", "OpaqueRef:d")]); // xapi's del events carry no snapshot
        Assert.Equal(0, records.Guests().Single().Hdd);

        records.Apply([Event("vm", "del", "OpaqueRef:v")]);
        Assert.Empty(records.Guests());
        Assert.Equal(1, records.VmCount);
    }

    [Fact]
    public async Task A_pool_that_refuses_event_from_is_read_with_the_bulk_calls_and_after_three_refusals_no_longer_asked()
    {
        var xapi = Canned.Pool(); // answers event.from with MESSAGE_METHOD_UNKNOWN
        await using var connection = await SessionTests.ConnectAsync(xapi);

        for (var i = 0; i < XenInventory.Strikes + 2; i++)
        {
            Assert.Equal(["db1", "web1"], (await connection.ListGuestsAsync(Ct)).Select(g => g.Name));
        }

        Assert.False(connection.Inventory.Enabled);
        Assert.Equal(XenInventory.Strikes, xapi.Methods.Count(m => m == "event.from"));
        Assert.Equal(XenInventory.Strikes + 2, xapi.Methods.Count(m => m == "VM.get_all_records"));
    }

    /// <summary>What event.from answers from the empty token: every canned record as "add".</summary>
    private static string EverythingAsAdded(string token)
    {
        var events = new JsonArray();
        foreach (var (cls, records) in new[] { ("vm", Canned.AllVms), ("vm_guest_metrics", Canned.AllGuestMetrics), ("vbd", Canned.AllVbds), ("vdi", Canned.AllVdis), ("host", Canned.AllHosts) })
        {
            foreach (var (reference, record) in JsonNode.Parse(records)!.AsObject())
            {
                events.Add(new JsonObject { ["id"] = "1", ["class"] = cls, ["operation"] = "add", ["ref"] = reference, ["snapshot"] = record!.DeepClone() });
            }
        }

        return new JsonObject { ["events"] = events, ["valid_ref_counts"] = new JsonObject(), ["token"] = token }.ToJsonString();
    }

    [Fact]
    public async Task Events_lost_forget_the_records_and_the_next_list_seeds_again_with_one_call()
    {
        var waits = 0;
        var xapi = Canned.Pool().On("event.from", p => p[2]!.GetValue<string>() == ""
            ? FakeXapi.Result(EverythingAsAdded("t1"))
            : Interlocked.Increment(ref waits) == 1
                ? FakeXapi.Error("EVENTS_LOST")
                : FakeXapi.Result("""{"events":[],"valid_ref_counts":{},"token":"t1"}"""));
        await using var connection = await SessionTests.ConnectAsync(xapi);

        Assert.Equal(["db1", "web1"], (await connection.ListGuestsAsync(Ct)).Select(g => g.Name));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref waits) == 0 || connection.Inventory.IsSeeded)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "the loop never lost its events");
            await Task.Delay(10, Ct);
        }

        var guests = await connection.ListGuestsAsync(Ct);

        Assert.Equal(["db1", "web1"], guests.Select(g => g.Name));
        Assert.Equal(10, guests.Single(g => g.Name == "web1").Hdd);
        Assert.Equal(2, connection.Inventory.Seeds);
        Assert.True(connection.Inventory.Enabled);
        lock (xapi.Calls)
        {
            Assert.Equal(2, xapi.Calls.Count(c => c.Method == "event.from" && c.Params[2]!.GetValue<string>() == ""));
            Assert.DoesNotContain(xapi.Methods, m => m.EndsWith(".get_all_records", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Stamps_are_read_as_of_now_without_waiting_for_the_loop_to_hear_of_them()
    {
        // Another gateway stamped db1 after the seed: only an ask from the records' token answers it;
        // the loop's own waits hear nothing, so a lookup that trusted the records as they were would miss it.
        var stamp = Core.Idempotency.IdempotencyStamp.Of("key-1", "body");
        var stamped = JsonNode.Parse(Canned.AllVms)!["OpaqueRef:paused"]!.DeepClone();
        stamped["other_config"]![XenApiConnection.StampKey] = stamp.ToString();
        var change = new JsonObject
        {
            ["events"] = new JsonArray(new JsonObject { ["id"] = "2", ["class"] = "vm", ["operation"] = "mod", ["ref"] = "OpaqueRef:paused", ["snapshot"] = stamped }),
            ["valid_ref_counts"] = new JsonObject(),
            ["token"] = "t2",
        }.ToJsonString();
        var xapi = Canned.Pool().On("event.from", p => (p[2]!.GetValue<string>(), p[3]!.GetValue<double>()) switch
        {
            ("", _) => FakeXapi.Result(EverythingAsAdded("t1")),
            ("t1", 0) => FakeXapi.Result(change),
            (var token, _) => FakeXapi.Result($$"""{"events":[],"valid_ref_counts":{},"token":"{{token}}"}"""),
        });
        await using var connection = await SessionTests.ConnectAsync(xapi);
        await connection.ListGuestsAsync(Ct);

        var stamps = await connection.Inventory.StampsNowAsync(Ct);

        Assert.Equal(stamp.ToString(), Assert.Single(stamps!).Value);
        Assert.Equal(Canned.PausedUuid, stamps!.Single().Key);
        lock (xapi.Calls)
        {
            Assert.DoesNotContain(xapi.Methods, m => m.EndsWith(".get_all_records", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_session_counts_as_writes_every_call_but_getters_lookups_bulk_reads_and_events()
    {
        var xapi = new FakeXapi();
        foreach (var method in new[] { "VM.get_record", "VM.get_all_records", "VM.get_by_name_label", "event.from", "VM.set_name_label", "VM.start", "VBD.create", "task.get_status", "Async.VM.get_record" })
        {
            xapi.On(method, "\"\"");
        }

        var (session, _) = await Rpc.XenApiSession.LoginAsync(
            new Rpc.JsonRpcClient(new Uri("https://pool.test/jsonrpc"), xapi), new HypervisorCallPolicy("xen", 4, TimeSpan.FromSeconds(5)), new HypervisorCredentials("root", "secret"), Ct);
        await using var _ = session!;

        foreach (var read in new[] { "VM.get_record", "VM.get_all_records", "VM.get_by_name_label", "event.from" })
        {
            await session!.CallAsync(read, Ct);
        }

        Assert.Equal(0, session!.CompletedWrites);
        foreach (var write in new[] { "VM.set_name_label", "VM.start", "VBD.create", "task.get_status", "Async.VM.get_record" })
        {
            await session.CallAsync(write, Ct);
        }

        Assert.Equal(5, session.CompletedWrites);
    }
}
