using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Simplestack.XenApi.Simulator.Tests;

/// <summary>PUT /import: an export comes back as a new VM with the same bytes; xapi's refusals change nothing.</summary>
public sealed partial class XvaImportTests : TransferTestBase
{
    [Fact]
    public async Task An_export_imported_into_another_sr_is_a_new_vm_with_the_same_bytes()
    {
        var session = await _rpc.LoginAsync();
        var (vm, small, big) = await _transfers.PrepareVmAsync(session);
        var (xva, _, _) = await _transfers.ExportVmAsync(session, vm);
        var targetUuid = _simulator.AddSr("Second storage", 2048L << 30);
        var target = (await _rpc.ResultAsync("SR.get_by_uuid", session, targetUuid))!.GetValue<string>();
        var token = (await _rpc.ResultAsync("event.from", session, new[] { "VM" }, "", 0.0))!["token"]!.GetValue<string>();
        var task = await _transfers.NewTaskAsync(session);

        using var response = await _transfers.ImportAsync($"session_id={session}&task_id={task}&sr_id={target}", xva);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(task, response.Headers.GetValues("task-id").Single());
        var record = await _transfers.TaskAsync(session, task);
        Assert.Equal("success", record["status"]!.GetValue<string>());
        var result = OneVmResult().Match(record["result"]!.GetValue<string>());
        Assert.True(result.Success, "task.result: " + record["result"]);
        var imported = result.Groups[1].Value;
        Assert.NotEqual(vm, imported);

        var copy = (JsonObject)(await _rpc.ResultAsync("VM.get_record", session, imported))!;
        Assert.Equal("build-01", copy["name_label"]!.GetValue<string>());
        Assert.Equal("Halted", copy["power_state"]!.GetValue<string>());
        Assert.NotEqual((string?)_simulator.Record("VM", vm)!["uuid"], copy["uuid"]!.GetValue<string>());
        var disks = new Dictionary<string, string>(); // userdevice → VDI uuid
        foreach (var vbd in copy["VBDs"]!.AsArray().Select(v => v!.GetValue<string>()))
        {
            var vbdRecord = _simulator.Record("VBD", vbd)!;
            if ((string?)vbdRecord["type"] == "Disk")
            {
                var vdi = _simulator.Record("VDI", (string)vbdRecord["VDI"]!)!;
                Assert.Equal(target, vdi["SR"]);
                disks[(string)vbdRecord["userdevice"]!] = (string)vdi["uuid"]!;
            }
            else
            {
                Assert.False((bool)vbdRecord["empty"]!); // the CD found its ISO again, by location
            }
        }
        Assert.Equal(2, disks.Count);
        Assert.NotEqual(small, disks["1"]);
        Assert.Equal(Transfers.SmallSize, (long)_simulator.Record("VDI", disks["1"])!["virtual_size"]!);
        Assert.Equal(_simulator.ReadVdi(small, 0, (int)Transfers.SmallSize), _simulator.ReadVdi(disks["1"], 0, (int)Transfers.SmallSize));
        Assert.Equal(_simulator.VdiBlocksWritten(big), _simulator.VdiBlocksWritten(disks["0"]));
        Assert.Equal(_simulator.ReadVdi(big, 10_000L * Transfers.MiB, Transfers.MiB), _simulator.ReadVdi(disks["0"], 10_000L * Transfers.MiB, Transfers.MiB));
        var vif = _simulator.Record("VIF", copy["VIFs"]![0]!.GetValue<string>())!;
        var sourceVif = _simulator.Record("VIF", (string)((List<object?>)_simulator.Record("VM", vm)!["VIFs"]!)[0]!)!;
        Assert.Equal(sourceVif["network"], vif["network"]); // matched by name_label
        Assert.NotEqual(sourceVif["MAC"], vif["MAC"]);

        var events = (await _rpc.ResultAsync("event.from", session, new[] { "VM" }, token, 0.0))!["events"]!.AsArray();
        Assert.Contains(events, e => e!["ref"]!.GetValue<string>() == imported && e["operation"]!.GetValue<string>() == "add");
    }

    [Fact]
    public async Task A_gzip_export_imports_as_it_is()
    {
        var session = await _rpc.LoginAsync();
        var (vm, small, _) = await _transfers.PrepareVmAsync(session);
        using var response = await _transfers.ExportAsync($"session_id={session}&ref={vm}&use_compression=gzip");
        var gzipped = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        using var plain = new MemoryStream();
        await using (var unzip = new GZipStream(new MemoryStream(gzipped), CompressionMode.Decompress))
        {
            await unzip.CopyToAsync(plain, TestContext.Current.CancellationToken);
        }
        Assert.Equal("ova.xml", Transfers.Untar(plain.ToArray())[0].Name);

        var record = await ImportTaskAsync(session, gzipped);

        Assert.Equal("success", record["status"]!.GetValue<string>());
        var copy = _simulator.FindByNameLabel("VDI", "small").Single(uuid => uuid != small);
        Assert.Equal(_simulator.ReadVdi(small, 0, (int)Transfers.SmallSize), _simulator.ReadVdi(copy, 0, (int)Transfers.SmallSize));
    }

    [Fact]
    public async Task A_chunked_upload_gets_403_and_makes_nothing()
    {
        var session = await _rpc.LoginAsync();
        var (vm, _, _) = await _transfers.PrepareVmAsync(session);
        var (xva, _, _) = await _transfers.ExportVmAsync(session, vm);
        var before = Counts();
        var task = await _transfers.NewTaskAsync(session);

        using var response = await _transfers.ImportAsync($"session_id={session}&task_id={task}", xva[..16384], chunked: true);

        Assert.Equal(403, (int)response.StatusCode);
        Assert.Equal(before, Counts());
        var record = await _transfers.TaskAsync(session, task);
        Assert.Equal("""["IMPORT_ERROR_CANNOT_HANDLE_CHUNKED"]""", record["error_info"]!.ToJsonString());
    }

    [Fact]
    public async Task A_block_that_does_not_match_its_checksum_fails_the_import_and_leaves_nothing()
    {
        var session = await _rpc.LoginAsync();
        var (vm, _, _) = await _transfers.PrepareVmAsync(session);
        var (xva, _, _) = await _transfers.ExportVmAsync(session, vm);
        var files = Transfers.Untar(xva);
        var damaged = files.FindIndex(f => f.Name.EndsWith("/00000002", StringComparison.Ordinal));
        files[damaged].Data[7] ^= 0xff;
        var before = Counts();
        var allocated = SrAllocation();
        var task = await _transfers.NewTaskAsync(session);

        using var response = await _transfers.ImportAsync($"session_id={session}&task_id={task}", Transfers.Tar(files));

        Assert.Equal(200, (int)response.StatusCode); // the headers went out before the body was read
        var record = await _transfers.TaskAsync(session, task);
        Assert.Equal("failure", record["status"]!.GetValue<string>());
        Assert.Equal("IMPORT_ERROR", record["error_info"]![0]!.GetValue<string>());
        Assert.Contains(files[damaged].Name + " checksum failed", record["error_info"]![1]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, Counts());
        Assert.Equal(allocated, SrAllocation());
    }

    [Fact]
    public async Task Xxhash_checksums_of_newer_xapi_are_verified_too()
    {
        var session = await _rpc.LoginAsync();
        var (vm, _, _) = await _transfers.PrepareVmAsync(session);
        var files = Transfers.Untar((await _transfers.ExportVmAsync(session, vm)).Xva);
        // One block of known bytes whose XXH64 xxhsum (Debian's xxhash 0.8.1) printed as 56cc6397a0a35d33.
        var block = Enumerable.Range(0, Transfers.MiB).Select(i => (byte)((i * 7 + 3) % 251)).ToArray();
        var index = files.FindIndex(f => f.Name.EndsWith("/00000000", StringComparison.Ordinal));
        files[index] = (files[index].Name, block);
        files[index + 1] = (files[index].Name + ".xxhash", Encoding.ASCII.GetBytes("56CC6397A0A35D33"));
        var good = await ImportTaskAsync(session, Transfers.Tar(files));
        files[index + 1] = (files[index].Name + ".xxhash", Encoding.ASCII.GetBytes("56CC6397A0A35D34"));
        var bad = await ImportTaskAsync(session, Transfers.Tar(files));

        Assert.Equal("success", good["status"]!.GetValue<string>());
        Assert.Equal("failure", bad["status"]!.GetValue<string>());
        Assert.Equal("IMPORT_ERROR", bad["error_info"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task An_iso_sr_gets_400_and_no_default_sr_fails_with_default_sr_not_found()
    {
        var session = await _rpc.LoginAsync();
        var (vm, _, _) = await _transfers.PrepareVmAsync(session);
        var (xva, _, _) = await _transfers.ExportVmAsync(session, vm);
        var iso = _simulator.Uuids("SR").Single(uuid => (string?)_simulator.Record("SR", uuid)!["content_type"] == "iso");
        var before = Counts();
        var isoTask = await _transfers.NewTaskAsync(session);

        using var isoResponse = await _transfers.ImportAsync($"session_id={session}&task_id={isoTask}&sr_uuid={iso}", xva);

        Assert.Equal(400, (int)isoResponse.StatusCode);
        Assert.Equal("""["SR_OPERATION_NOT_SUPPORTED"]""", (await _transfers.TaskAsync(session, isoTask))["error_info"]!.ToJsonString());

        var pool = (await _rpc.ResultAsync("pool.get_all", session))![0]!.GetValue<string>();
        await _rpc.ResultAsync("pool.set_default_SR", session, pool, "OpaqueRef:NULL");
        var task = await _transfers.NewTaskAsync(session);

        using var response = await _transfers.ImportAsync($"session_id={session}&task_id={task}", xva);

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Equal("""["DEFAULT_SR_NOT_FOUND","OpaqueRef:NULL"]""", (await _transfers.TaskAsync(session, task))["error_info"]!.ToJsonString());
        Assert.Equal(before, Counts());
    }

    [Fact]
    public async Task A_body_cut_short_fails_with_premature_eof_and_leaves_nothing()
    {
        var session = await _rpc.LoginAsync();
        var (vm, _, _) = await _transfers.PrepareVmAsync(session);
        var (xva, _, _) = await _transfers.ExportVmAsync(session, vm);
        var before = Counts();

        var record = await ImportTaskAsync(session, xva[..(xva.Length / 2)]);

        Assert.Equal("""["IMPORT_ERROR_PREMATURE_EOF"]""", record["error_info"]!.ToJsonString());
        Assert.Equal(before, Counts());
    }

    private async Task<JsonObject> ImportTaskAsync(string session, byte[] body)
    {
        var task = await _transfers.NewTaskAsync(session);
        using var response = await _transfers.ImportAsync($"session_id={session}&task_id={task}", body);
        Assert.Equal(200, (int)response.StatusCode);
        return await _transfers.TaskAsync(session, task);
    }

    private string Counts() => string.Join(",", new[] { "VM", "VDI", "VBD", "VIF", "network", "VM_metrics" }
        .Select(cls => cls + "=" + _simulator.Uuids(cls).Count.ToString(CultureInfo.InvariantCulture)));

    private string SrAllocation() => string.Join(",", _simulator.Uuids("SR")
        .Select(uuid => _simulator.Record("SR", uuid)!["virtual_allocation"]!.ToString()));

    [GeneratedRegex("^<value><array><data><value>(OpaqueRef:[0-9a-f-]+)</value></data></array></value>$")]
    private static partial Regex OneVmResult();
}
