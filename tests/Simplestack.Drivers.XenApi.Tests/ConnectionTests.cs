using Simplestack.Core;

namespace Simplestack.Drivers.XenApi.Tests;

public class ConnectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_guest_list_is_bulk_calls_and_leaves_out_templates_snapshots_and_dom0()
    {
        var xapi = Canned.Pool();
        await using var connection = await SessionTests.ConnectAsync(xapi);

        var guests = await connection.ListGuestsAsync(Ct);

        Assert.Equal(["db1", "web1"], guests.Select(g => g.Name));
        Assert.DoesNotContain(xapi.Methods, m => m.EndsWith(".get_record", StringComparison.Ordinal));
        var web = guests.Single(g => g.Name == "web1");
        Assert.Equal(Canned.WebUuid, web.Id);
        Assert.Equal(GuestState.STARTED, web.State);
        Assert.Equal("Running", web.StateDetail);
        Assert.Equal(1024, web.Memory);
        Assert.Equal(2, web.Cpus);
        Assert.Equal(10, web.Hdd); // The disk only, not the CD.
        Assert.Equal("10.1.2.3", web.Ip);
        Assert.Equal(["10.1.2.3", "fe80::1"], web.Ips);
        Assert.Equal("xcp1", web.Host);
        Assert.True(web.ToolsUpToDate);
        Assert.False(web.Paravirtualized);
        var paused = guests.Single(g => g.Name == "db1");
        Assert.Equal(GuestState.PAUSED, paused.State);
        Assert.Equal("Paused", paused.StateDetail);
    }

    [Fact]
    public async Task An_unknown_uuid_or_name_is_404_and_a_template_is_not_a_guest()
    {
        var xapi = Canned.Pool()
            .On("VM.get_by_uuid", p => p[1]!.GetValue<string>() == Canned.TemplateUuid ? FakeXapi.Result("\"OpaqueRef:tpl\"") : FakeXapi.Error("UUID_INVALID", "VM", p[1]!.GetValue<string>()))
            .On("VM.get_record", Canned.Vm(Canned.TemplateUuid, "Debian Bookworm 12", "Halted", template: true))
            .On("VM.get_by_name_label", "[]");
        await using var connection = await SessionTests.ConnectAsync(xapi);

        await Assert.ThrowsAsync<EntityNotFoundException>(() => connection.GetGuestAsync(Guid.NewGuid().ToString(), Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => connection.GetGuestAsync("no-such-guest", Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => connection.GetGuestAsync(Canned.TemplateUuid, Ct));
    }

    [Fact]
    public async Task Pool_info_sums_the_hosts_memory_and_names_the_master()
    {
        await using var connection = await SessionTests.ConnectAsync(Canned.Pool());

        var pool = await connection.GetPoolInfoAsync(Ct);

        Assert.Equal(32768, pool.TotalMemory);
        Assert.Equal(16384, pool.UsedMemory);
        Assert.Equal("pool-uuid", pool.Uuid);
        Assert.Equal("192.0.2.10", pool.Master);
        Assert.Equal("8.3.0", pool.SoftwareInfo.Version);
        var host = Assert.Single(await connection.ListHostsAsync(Ct));
        Assert.Equal(8, host.Cpus);
        Assert.Equal(host, await connection.GetHostAsync("host-uuid-1", Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => connection.GetHostAsync("nope", Ct));
    }

    [Fact]
    public async Task A_wrong_power_state_is_409_before_xenapi_is_asked_and_xenapis_own_is_409_too()
    {
        var xapi = Canned.Pool()
            .On("VM.get_by_uuid", "\"OpaqueRef:web\"")
            .On("VM.get_record", Canned.Vm(Canned.WebUuid, "web1", "Running"))
            .On("VM.clean_shutdown", _ => FakeXapi.Error("VM_BAD_POWER_STATE", "OpaqueRef:web", "running", "halted"));
        await using var connection = await SessionTests.ConnectAsync(xapi);

        await Assert.ThrowsAsync<ConflictException>(() => connection.SetPowerAsync(Canned.WebUuid, PowerAction.Start, null, Ct));
        Assert.DoesNotContain("VM.start", xapi.Methods);
        await Assert.ThrowsAsync<ConflictException>(() => connection.SetPowerAsync(Canned.WebUuid, PowerAction.Stop, null, Ct));
        Assert.Contains("VM.clean_shutdown", xapi.Methods);
    }

    [Theory]
    [InlineData("Running", PowerAction.Pause, "VM.pause")]
    [InlineData("Paused", PowerAction.Resume, "VM.unpause")]
    [InlineData("Suspended", PowerAction.Resume, "VM.resume")]
    [InlineData("Running", PowerAction.ForceStop, "VM.hard_shutdown")]
    [InlineData("Halted", PowerAction.Start, "VM.start")]
    public async Task Each_power_action_is_its_xenapi_call(string state, PowerAction action, string call)
    {
        var xapi = Canned.Pool()
            .On("VM.get_by_uuid", "\"OpaqueRef:web\"")
            .On("VM.get_record", Canned.Vm(Canned.WebUuid, "web1", state))
            .On(call, "\"\"");
        await using var connection = await SessionTests.ConnectAsync(xapi);

        await connection.SetPowerAsync(Canned.WebUuid, action, null, Ct);

        var made = Assert.Single(xapi.Calls, c => c.Method == call);
        Assert.Equal("OpaqueRef:web", made.Params[1]!.GetValue<string>());
    }

    [Fact]
    public async Task A_create_that_fails_half_way_destroys_the_clone_and_its_own_disks()
    {
        var xapi = Canned.Pool()
            .On("network.get_all_records", """{"OpaqueRef:net":{"uuid":"net-1","name_label":"Pool-wide network","name_description":"","bridge":"xenbr0","PIFs":[],"VIFs":[],"other_config":{}}}""")
            .On("VM.clone", "\"OpaqueRef:new\"")
            .On("VM.provision", "\"\"")
            .On("VM.set_is_a_template", "\"\"")
            .On("VM.set_memory_limits", "\"\"")
            .On("VM.get_record", Canned.Vm("new-uuid", "web2", "Halted", vbds: "[\"OpaqueRef:newvbd\"]"))
            .On("VBD.get_record", """{"VM":"OpaqueRef:new","VDI":"OpaqueRef:newvdi","type":"Disk","userdevice":"0","device":"","mode":"RW","empty":false,"currently_attached":false,"other_config":{}}""")
            .On("VDI.get_record", """{"uuid":"newvdi","name_label":"d","SR":"OpaqueRef:sr1","virtual_size":1,"physical_utilisation":1,"sharable":false,"read_only":false,"is_a_snapshot":false,"VBDs":["OpaqueRef:newvbd"],"sm_config":{}}""")
            .On("VIF.create", _ => FakeXapi.Error("SR_FULL", "1", "0"))
            .On("VM.destroy", "\"\"")
            .On("VDI.destroy", "\"\"");
        await using var connection = await SessionTests.ConnectAsync(xapi);

        await Assert.ThrowsAsync<ConflictException>(() => connection.CreateGuestAsync(
            new GuestCreateRequest("web2", 512, Image: "Debian Bookworm 12", NetworkInterfaces: [new NicSpec("Pool-wide network")]), Ct));

        Assert.Contains(xapi.Calls, c => c.Method == "VM.destroy" && c.Params[1]!.GetValue<string>() == "OpaqueRef:new");
        Assert.Contains(xapi.Calls, c => c.Method == "VDI.destroy" && c.Params[1]!.GetValue<string>() == "OpaqueRef:newvdi");
        Assert.DoesNotContain(xapi.Calls, c => c.Method == "VM.destroy" && c.Params[1]!.GetValue<string>() == "OpaqueRef:tpl");
    }

    [Fact]
    public async Task A_create_naming_an_unknown_network_makes_nothing()
    {
        var xapi = Canned.Pool().On("network.get_all_records", "{}");
        await using var connection = await SessionTests.ConnectAsync(xapi);

        await Assert.ThrowsAsync<InvalidArgumentException>(() => connection.CreateGuestAsync(
            new GuestCreateRequest("web2", 512, Image: Canned.TemplateUuid, NetworkInterfaces: [new NicSpec("nope")]), Ct));

        Assert.DoesNotContain("VM.clone", xapi.Methods);
    }

    [Fact]
    public async Task Fields_not_built_yet_are_501_not_ignored()
    {
        await using var connection = await SessionTests.ConnectAsync(Canned.Pool());

        await Assert.ThrowsAsync<FeatureNotImplementedException>(() => connection.CreateGuestAsync(
            new GuestCreateRequest("web2", 512, Image: "x", Install: new InstallSpec("http://mirror.example/debian")), Ct));
    }

    [Fact]
    public async Task Deleting_keeps_a_disk_another_vm_uses()
    {
        var xapi = Canned.Pool()
            .On("VM.get_by_uuid", "\"OpaqueRef:web\"")
            .On("VM.get_record", Canned.Vm(Canned.WebUuid, "web1", "Halted", vbds: "[\"OpaqueRef:vbd1\",\"OpaqueRef:vbd2\"]"))
            .On("VBD.get_record", p => FakeXapi.Result(p[1]!.GetValue<string>() switch
            {
                "OpaqueRef:vbd1" => """{"VM":"OpaqueRef:web","VDI":"OpaqueRef:own","type":"Disk","empty":false}""",
                "OpaqueRef:vbd2" => """{"VM":"OpaqueRef:web","VDI":"OpaqueRef:shared","type":"Disk","empty":false}""",
                _ => """{"VM":"OpaqueRef:other","VDI":"OpaqueRef:shared","type":"Disk","empty":false}""",
            }))
            .On("VDI.get_record", p => FakeXapi.Result(p[1]!.GetValue<string>() == "OpaqueRef:own"
                ? """{"uuid":"own","sharable":false,"VBDs":["OpaqueRef:vbd1"]}"""
                : """{"uuid":"shared","sharable":false,"VBDs":["OpaqueRef:vbd2","OpaqueRef:vbd-other"]}"""))
            .On("VM.destroy", "\"\"")
            .On("VDI.destroy", "\"\"");
        await using var connection = await SessionTests.ConnectAsync(xapi);

        await connection.DeleteGuestAsync(Canned.WebUuid, new GuestDeleteOptions(), Ct);

        var destroyed = xapi.Calls.Where(c => c.Method == "VDI.destroy").Select(c => c.Params[1]!.GetValue<string>()).ToList();
        Assert.Equal(["OpaqueRef:own"], destroyed);
        Assert.DoesNotContain("VM.hard_shutdown", xapi.Methods);
    }
}
