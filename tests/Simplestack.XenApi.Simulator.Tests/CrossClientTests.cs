namespace Simplestack.XenApi.Simulator.Tests;

/// <summary>
/// Clients written by others, with no code of ours, agree with the simulator: Xen Orchestra's
/// xen-api (JSON-RPC, node) and Debian's python3-os-xenapi XenAPI.py (XML-RPC).
/// </summary>
public sealed class CrossClientTests : IAsyncLifetime
{
    private XenApiSimulator _simulator = null!;

    public async ValueTask InitializeAsync() =>
        _simulator = await XenApiSimulator.StartAsync(new SimulatorOptions(), TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _simulator.DisposeAsync();

    [Fact]
    public async Task Xen_orchestra_client_lists_vms_sees_bad_power_state_and_follows_the_master()
    {
        Assert.True(File.Exists(Path.Combine(ClientProcess.Directory, "js", "node_modules", "xen-api", "package.json")),
            "xen-api is not installed: run `npm ci` in tests/Simplestack.XenApi.Simulator.Tests/js (eng/test.sh does)");

        var seen = await ClientProcess.RunAsync("node", "js/xo-client.mjs", _simulator.Url.ToString(), _simulator.SlaveUrl!.ToString(), "root", "simplestack");

        var names = seen.GetProperty("vmNames").EnumerateArray().Select(n => n.GetString()).ToList();
        Assert.Contains("web-01", names);
        Assert.Contains("Debian Bookworm 12", names);
        var error = seen.GetProperty("startError");
        Assert.Equal("VM_BAD_POWER_STATE", error.GetProperty("code").GetString());
        Assert.Equal([seen.GetProperty("runningRef").GetString()!, "Halted", "Running"],
            error.GetProperty("params").EnumerateArray().Select(p => p.GetString()!).ToArray());
        Assert.Equal("127.0.0.1", seen.GetProperty("afterSlaveHostname").GetString());
        Assert.Equal("Simulated pool", seen.GetProperty("poolNameViaSlave").GetString());
        // Both connections logged in through the master and logged out again.
        Assert.Equal(2, _simulator.SessionsCreated);
        Assert.Equal(0, _simulator.OpenSessions);
    }

    [Fact]
    public async Task Xen_orchestra_client_copies_a_vm_by_piping_its_export_into_an_import()
    {
        Assert.True(File.Exists(Path.Combine(ClientProcess.Directory, "js", "node_modules", "xen-api", "package.json")),
            "xen-api is not installed: run `npm ci` in tests/Simplestack.XenApi.Simulator.Tests/js (eng/test.sh does)");
        var source = _simulator.FindByNameLabel("VDI", "build-01 disk 0").Single();
        _simulator.WriteVdi(source, 5L << 20, [1, 2, 3, 4, 5, 6, 7, 8]);
        var target = _simulator.AddSr("Second storage", 1L << 40);

        var seen = await ClientProcess.RunAsync("node", "js/xo-transfer.mjs", _simulator.Url.ToString(), "root", "simplestack", "build-01", target);

        Assert.Equal(200, seen.GetProperty("exportStatus").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, seen.GetProperty("exportHeaders").GetProperty("contentLength").ValueKind);
        Assert.Equal("", seen.GetProperty("exportResult").GetString());
        // xen-api parsed the task's XML-RPC result into an array holding the new VM.
        var imported = seen.GetProperty("imported").EnumerateArray().Select(v => v.GetString()!).Single();
        var vm = _simulator.Record("VM", imported)!;
        Assert.Equal("build-01", vm["name_label"]);
        var disk = ((List<object?>)vm["VBDs"]!).Select(v => _simulator.Record("VBD", (string)v!)!).Single(v => (string?)v["type"] == "Disk");
        var copy = _simulator.Record("VDI", (string)disk["VDI"]!)!;
        Assert.Equal(target, _simulator.Record("SR", (string)copy["SR"]!)!["uuid"]);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], _simulator.ReadVdi((string)copy["uuid"]!, 5L << 20, 8));
        Assert.Equal(2, _simulator.FindByNameLabel("VM", "build-01").Count);
    }

    [Fact]
    public async Task Debian_xenapi_py_over_xml_rpc_lists_vms_and_reads_failures()
    {
        var seen = await ClientProcess.RunAsync("/usr/bin/python3", "py/xenapi_client.py", _simulator.Url.ToString(), "root", "simplestack");

        var names = seen.GetProperty("vm_names").EnumerateArray().Select(n => n.GetString()).ToList();
        Assert.Contains("build-01", names);
        Assert.Contains("Control domain on host: xcp-host-1", names);
        // XML-RPC carries 64-bit ints as strings, as xapi sends them.
        Assert.True(seen.GetProperty("memory_is_string").GetBoolean());
        Assert.Equal(["HANDLE_INVALID", "VM", "OpaqueRef:no-such-vm"],
            seen.GetProperty("failure").EnumerateArray().Select(p => p.GetString()!).ToArray());
        Assert.Equal("VM_BAD_POWER_STATE", seen.GetProperty("start_failure")[0].GetString());
        Assert.Equal("2.21", seen.GetProperty("api_version").GetString());
        Assert.Equal(0, _simulator.OpenSessions);
        Assert.Equal(1, _simulator.SessionsCreated);
    }
}
