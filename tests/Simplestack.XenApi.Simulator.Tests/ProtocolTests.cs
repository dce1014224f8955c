using System.Text.Json.Nodes;

namespace Simplestack.XenApi.Simulator.Tests;

/// <summary>The protocol's edges as DRIVERS.md §2 describes xapi: error shapes, counts, sessions, tasks.</summary>
public sealed class ProtocolTests : IAsyncLifetime
{
    private XenApiSimulator _simulator = null!;
    private Rpc _rpc = null!;

    public async ValueTask InitializeAsync()
    {
        _simulator = await XenApiSimulator.StartAsync(new SimulatorOptions { AsyncTaskDelay = TimeSpan.FromMilliseconds(200) }, TestContext.Current.CancellationToken);
        _rpc = new Rpc(_simulator);
    }

    public async ValueTask DisposeAsync()
    {
        _rpc.Dispose();
        await _simulator.DisposeAsync();
    }

    private async Task<string> VmRefAsync(string session, string name) =>
        (await _rpc.ResultAsync("VM.get_by_name_label", session, name))![0]!.GetValue<string>();

    [Fact]
    public async Task Version_1_errors_are_an_array_beside_a_null_result()
    {
        var answer = await _rpc.CallAsync("VM.get_record", [await _rpc.LoginAsync(), "OpaqueRef:missing"], version1: true);

        Assert.Null(answer["result"]);
        Assert.Equal("""["HANDLE_INVALID","VM","OpaqueRef:missing"]""", answer["error"]!.ToJsonString());
        Assert.Equal(7, answer["id"]!.GetValue<int>());
        Assert.False(answer.ContainsKey("jsonrpc"));
    }

    [Fact]
    public async Task Version_2_errors_carry_code_1_the_name_as_message_and_the_parameters_as_data()
    {
        var answer = await _rpc.CallAsync("VM.get_by_uuid", [await _rpc.LoginAsync(), "no-such-uuid"]);

        Assert.Equal("2.0", answer["jsonrpc"]!.GetValue<string>());
        Assert.Equal("""{"code":1,"message":"UUID_INVALID","data":["VM","no-such-uuid"]}""", answer["error"]!.ToJsonString());
        Assert.False(answer.ContainsKey("result"));
    }

    [Fact]
    public async Task A_wrong_parameter_count_names_the_method_and_both_counts()
    {
        var answer = await _rpc.CallAsync("VM.start", [await _rpc.LoginAsync(), "OpaqueRef:x"]);

        Assert.Equal("""["VM.start","4","2"]""", answer["error"]!["data"]!.ToJsonString());
        Assert.Equal("MESSAGE_PARAMETER_COUNT_MISMATCH", answer["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_methods_and_bad_credentials_have_their_codes()
    {
        var unknown = await _rpc.CallAsync("VM.fly", [await _rpc.LoginAsync()]);
        var denied = await _rpc.CallAsync("session.login_with_password", ["root", "wrong"]);

        Assert.Equal("""["VM.fly"]""", unknown["error"]!["data"]!.ToJsonString());
        Assert.Equal("SESSION_AUTHENTICATION_FAILED", denied["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Sessions_are_counted_and_expire()
    {
        var session = await _rpc.LoginAsync("probe");
        Assert.Equal(1, _simulator.OpenSessions);
        Assert.Equal(1, _simulator.OpenSessionsByOriginator["probe"]);

        _simulator.ExpireSessions();
        var answer = await _rpc.CallAsync("VM.get_all", [session]);

        Assert.Equal("SESSION_INVALID", answer["error"]!["message"]!.GetValue<string>());
        Assert.Equal(session, answer["error"]!["data"]![0]!.GetValue<string>());
        Assert.Equal(0, _simulator.OpenSessions);
        Assert.Equal(1, _simulator.SessionsCreated);
        Assert.Equal([session], _simulator.SessionRefs); // Kept after expiry, for tests that grep for it.
    }

    [Fact]
    public async Task A_simulator_started_again_on_its_port_with_its_certificate_is_the_same_pinned_peer_with_a_fresh_pool()
    {
        var port = _simulator.Url.Port;
        var sha256 = _simulator.CertificateSha256;
        var old = await _rpc.LoginAsync("probe");
        var options = new SimulatorOptions { Port = port, CertificatePkcs12 = _simulator.CertificatePkcs12 };
        await _simulator.DisposeAsync();

        _simulator = await XenApiSimulator.StartAsync(options, TestContext.Current.CancellationToken);
        using var rpc = new Rpc(_simulator);

        Assert.Equal(port, _simulator.Url.Port);
        Assert.Equal(sha256, _simulator.CertificateSha256);
        Assert.Equal("SESSION_INVALID", (await rpc.CallAsync("VM.get_all", [old]))["error"]!["message"]!.GetValue<string>());
        Assert.Equal(0, _simulator.SessionsCreated);
        await rpc.LoginAsync();
        Assert.Equal(1, _simulator.OpenSessions);
    }

    [Fact]
    public async Task An_idle_session_becomes_invalid_after_its_lifetime()
    {
        await using var shortLived = await XenApiSimulator.StartAsync(
            new SimulatorOptions { SessionIdleLifetime = TimeSpan.FromMilliseconds(300), SlaveListener = false }, TestContext.Current.CancellationToken);
        using var rpc = new Rpc(shortLived);
        var session = await rpc.LoginAsync();
        await rpc.ResultAsync("VM.get_all", session);

        await Task.Delay(600, TestContext.Current.CancellationToken);

        Assert.Equal("SESSION_INVALID", (await rpc.CallAsync("VM.get_all", [session]))["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_async_call_returns_a_task_whose_result_is_xml_rpc_text()
    {
        var session = await _rpc.LoginAsync();
        var template = await VmRefAsync(session, "Debian Bookworm 12");

        var task = (await _rpc.ResultAsync("Async.VM.clone", session, template, "from-template"))!.GetValue<string>();
        var pending = await _rpc.ResultAsync("task.get_record", session, task);
        JsonNode? record;
        do
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
            record = await _rpc.ResultAsync("task.get_record", session, task);
        }
        while (record!["status"]!.GetValue<string>() == "pending");

        Assert.Equal("pending", pending!["status"]!.GetValue<string>());
        Assert.Equal("success", record["status"]!.GetValue<string>());
        Assert.Equal(1.0, record["progress"]!.GetValue<double>());
        var clone = (await VmRefAsync(session, "from-template"));
        Assert.Equal($"<value>{clone}</value>", record["result"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_async_task_s_progress_grows_while_it_is_pending()
    {
        var session = await _rpc.LoginAsync();
        var template = await VmRefAsync(session, "Debian Bookworm 12");

        var task = (await _rpc.ResultAsync("Async.VM.clone", session, template, "progressing"))!.GetValue<string>();
        var seen = new List<double>();
        JsonNode? record;
        do
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
            record = await _rpc.ResultAsync("task.get_record", session, task);
            seen.Add(record!["progress"]!.GetValue<double>());
        }
        while (record["status"]!.GetValue<string>() == "pending");

        Assert.Contains(seen, p => p is > 0 and < 1); // moved before the end, not only 0 then 1
        Assert.Equal(seen.Order(), seen); // and never back
        Assert.Equal(1.0, seen[^1]);
    }

    [Fact]
    public async Task A_task_cancelled_while_pending_does_not_run()
    {
        var session = await _rpc.LoginAsync();
        var template = await VmRefAsync(session, "Debian Bookworm 12");

        var task = (await _rpc.ResultAsync("Async.VM.clone", session, template, "never-made"))!.GetValue<string>();
        await _rpc.ResultAsync("task.cancel", session, task);
        await Task.Delay(400, TestContext.Current.CancellationToken);

        Assert.Equal("cancelled", (await _rpc.ResultAsync("task.get_status", session, task))!.GetValue<string>());
        Assert.Empty((await _rpc.ResultAsync("VM.get_by_name_label", session, "never-made"))!.AsArray());
    }

    [Fact]
    public async Task Adding_a_map_key_that_is_there_fails_with_MAP_DUPLICATE_KEY_as_xapi_s_database_does()
    {
        var session = await _rpc.LoginAsync();
        var pool = (await _rpc.ResultAsync("pool.get_all", session))![0]!.GetValue<string>();
        await _rpc.ResultAsync("pool.add_to_other_config", session, pool, "claim", "first");

        // Db_exn.Duplicate_key (tbl, fld, objref, key), even with the same value (xapi's master adds non-idempotently).
        var again = await _rpc.CallAsync("pool.add_to_other_config", [session, pool, "claim", "first"]);

        Assert.Equal("MAP_DUPLICATE_KEY", again["error"]!["message"]!.GetValue<string>());
        Assert.Equal($"""["pool","other_config","{pool}","claim"]""", again["error"]!["data"]!.ToJsonString());
        Assert.Equal("first", (await _rpc.ResultAsync("pool.get_other_config", session, pool))!["claim"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_revert_brings_back_the_snapshots_other_config_as_xapi_s_copy_vm_fields_does()
    {
        var session = await _rpc.LoginAsync();
        var vm = await VmRefAsync(session, "build-01");
        await _rpc.ResultAsync("VM.add_to_other_config", session, vm, "before", "1");
        var snapshot = (await _rpc.ResultAsync("VM.snapshot", session, vm, "snap", new List<string>()))!.GetValue<string>();
        await _rpc.ResultAsync("VM.remove_from_other_config", session, vm, "before");
        await _rpc.ResultAsync("VM.add_to_other_config", session, vm, "after", "2");

        await _rpc.ResultAsync("VM.revert", session, snapshot);

        var config = (await _rpc.ResultAsync("VM.get_other_config", session, vm))!.AsObject();
        Assert.Equal("1", config["before"]!.GetValue<string>());
        Assert.False(config.ContainsKey("after"));
    }

    [Fact]
    public async Task Power_operations_follow_the_state_machine_and_keep_metrics_current()
    {
        var session = await _rpc.LoginAsync();
        var vm = await VmRefAsync(session, "build-01");

        var shutdownWhileHalted = await _rpc.CallAsync("VM.clean_shutdown", [session, vm]);
        await _rpc.ResultAsync("VM.start", session, vm, false, false);
        await _rpc.ResultAsync("VM.pause", session, vm);

        Assert.Equal($"""["{vm}","Running","Halted"]""", shutdownWhileHalted["error"]!["data"]!.ToJsonString());
        var record = _simulator.Record("VM", vm)!;
        Assert.Equal("Paused", record["power_state"]);
        var metrics = _simulator.Record("VM_metrics", (string)record["metrics"]!)!;
        Assert.Equal(record["memory_dynamic_max"], metrics["memory_actual"]);
    }

    [Fact]
    public async Task A_template_is_cloned_and_provisioned_with_the_disks_of_its_spec()
    {
        var session = await _rpc.LoginAsync();
        var template = await VmRefAsync(session, "Debian Bookworm 12");

        var vm = (await _rpc.ResultAsync("VM.clone", session, template, "new-guest"))!.GetValue<string>();
        await _rpc.ResultAsync("VM.provision", session, vm);
        await _rpc.ResultAsync("VM.set_is_a_template", session, vm, false);

        var record = _simulator.Record("VM", vm)!;
        Assert.False((bool)record["is_a_template"]!);
        // The default template has no disks: the one disk is made from the provision spec.
        Assert.Single((List<object?>)record["VBDs"]!);
        Assert.False(((Dictionary<string, object?>)record["other_config"]!).ContainsKey("disks"));
    }

    [Fact]
    public async Task Xml_rpc_failures_are_a_struct_with_status_and_error_description()
    {
        using var response = await _rpc.PostAsync("/", """
            <?xml version="1.0"?><methodCall><methodName>session.login_with_password</methodName>
            <params><param><value><string>root</string></value></param><param><value>bad</value></param></params></methodCall>
            """, "text/xml");
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Contains("<member><name>Status</name><value>Failure</value></member>", text, StringComparison.Ordinal);
        Assert.Contains("<name>ErrorDescription</name><value><array><data><value>SESSION_AUTHENTICATION_FAILED</value>", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_body_is_an_http_500_with_html()
    {
        using var response = await _rpc.PostAsync("/jsonrpc", "{not json", "application/json");

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_member_host_answers_logins_with_host_is_slave_naming_the_master()
    {
        using var slave = new Rpc(_simulator, _simulator.SlaveUrl);

        var answer = await slave.CallAsync("session.login_with_password", ["root", "simplestack"]);

        Assert.Equal("""{"code":1,"message":"HOST_IS_SLAVE","data":["127.0.0.1"]}""", answer["error"]!.ToJsonString());
    }

    [Fact]
    public async Task Event_from_returns_changes_after_a_token_and_waits_for_the_next()
    {
        var session = await _rpc.LoginAsync();
        var first = await _rpc.ResultAsync("event.from", session, new[] { "vm" }, "", 0.0);
        var token = first!["token"]!.GetValue<string>();
        var vm = await VmRefAsync(session, "build-01");

        var waiting = _rpc.ResultAsync("event.from", session, new[] { "vm" }, token, 10.0);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        await _rpc.ResultAsync("VM.add_tags", session, vm, "blue");
        var next = await waiting;

        Assert.NotEmpty(first["events"]!.AsArray());
        var change = Assert.Single(next!["events"]!.AsArray());
        Assert.Equal("mod", change!["operation"]!.GetValue<string>());
        Assert.Equal("vm", change["class"]!.GetValue<string>());
        Assert.Equal("""["blue"]""", change["snapshot"]!["tags"]!.ToJsonString());
    }
}
