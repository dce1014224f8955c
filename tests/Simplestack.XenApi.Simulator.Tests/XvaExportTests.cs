using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Simplestack.XenApi.Simulator.Tests;

/// <summary>GET /export: a real XVA (checked here and by Debian's xva-img), and xapi's refusals.</summary>
public sealed class XvaExportTests : TransferTestBase
{
    [Fact]
    public async Task An_export_streams_ova_xml_then_checksummed_blocks_and_completes_its_task()
    {
        var session = await _rpc.LoginAsync();
        var (vm, small, big) = await _transfers.PrepareVmAsync(session);

        var (xva, task, response) = await _transfers.ExportVmAsync(session, vm);

        Assert.Null(response.Content.Headers.ContentLength);
        Assert.Equal(task, response.Headers.GetValues("task-id").Single());
        Assert.Equal("attachment; filename=\"export.xva\"", response.Content.Headers.GetValues("Content-Disposition").Single());
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        var files = Transfers.Untar(xva);
        Assert.Equal("ova.xml", files[0].Name);

        var header = XDocument.Parse(Encoding.UTF8.GetString(files[0].Data)).Root!;
        var version = Struct(header)["version"];
        Assert.Equal("2", Struct(version)["export_vsn"].Element("i4")?.Value);
        var objects = Struct(header)["objects"].Element("array")!.Element("data")!.Elements("value").Select(Struct).ToList();
        var vmObject = objects.Single(o => o["class"].Value == "VM");
        Assert.Equal("Ref:0", vmObject["id"].Value);
        Assert.Equal("build-01", Struct(vmObject["snapshot"])["name_label"].Value);
        var vdis = objects.Where(o => o["class"].Value == "VDI").ToDictionary(o => Struct(o["snapshot"])["uuid"].Value, o => o["id"].Value);
        Assert.Equal(Transfers.SmallSize.ToString(CultureInfo.InvariantCulture), Struct(objects.Single(o => o["id"].Value == vdis[small])["snapshot"])["virtual_size"].Value);
        Assert.Contains(objects, o => o["class"].Value == "network");

        // Every block is followed by its SHA-1; zeros are left out but for the first and last blocks.
        var blocks = files.Skip(1).Where(f => !f.Name.EndsWith(".checksum", StringComparison.Ordinal)).ToList();
        Assert.Equal(files.Count - 1, blocks.Count * 2);
        for (var i = 1; i < files.Count; i += 2)
        {
            Assert.Equal(files[i].Name + ".checksum", files[i + 1].Name);
            Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(files[i].Data)), Encoding.ASCII.GetString(files[i + 1].Data));
        }
        Assert.Equal([vdis[small] + "/00000000", vdis[small] + "/00000002", vdis[small] + "/00000003"],
            blocks.Where(b => b.Name.StartsWith(vdis[small] + "/", StringComparison.Ordinal)).Select(b => b.Name));
        Assert.Equal(512, blocks.Single(b => b.Name == vdis[small] + "/00000003").Data.Length);
        Assert.Equal([vdis[big] + "/00000000", vdis[big] + "/00010000", vdis[big] + "/00020479"],
            blocks.Where(b => b.Name.StartsWith(vdis[big] + "/", StringComparison.Ordinal)).Select(b => b.Name));
        Assert.Equal(_simulator.ReadVdi(big, 10_000L * Transfers.MiB, Transfers.MiB), blocks.Single(b => b.Name == vdis[big] + "/00010000").Data);

        var record = await _transfers.TaskAsync(session, task);
        Assert.Equal("success", record["status"]!.GetValue<string>());
        Assert.Equal("", record["result"]!.GetValue<string>());
        Assert.Equal(1.0, record["progress"]!.GetValue<double>());
        Assert.Empty(_simulator.Record("VM", vm)!["current_operations"] as IDictionary<string, object?> ?? new Dictionary<string, object?>());
    }

    [Fact]
    public async Task Debian_xva_img_rebuilds_the_exported_disk_byte_for_byte()
    {
        var session = await _rpc.LoginAsync();
        var (vm, small, _) = await _transfers.PrepareVmAsync(session);
        var (xva, _, _) = await _transfers.ExportVmAsync(session, vm);
        var folder = Directory.CreateTempSubdirectory("xva-img-");
        try
        {
            var files = Transfers.Untar(xva);
            var header = XDocument.Parse(Encoding.UTF8.GetString(files[0].Data)).Root!;
            var prefix = Struct(header)["objects"].Element("array")!.Element("data")!.Elements("value").Select(Struct)
                .Single(o => o["class"].Value == "VDI" && Struct(o["snapshot"])["uuid"].Value == small)["id"].Value;
            foreach (var (name, data) in files)
            {
                var path = Path.Combine(folder.FullName, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllBytesAsync(path, data, TestContext.Current.CancellationToken);
            }
            var raw = Path.Combine(folder.FullName, "out.raw");

            var (exit, output) = await RunAsync("xva-img", "-p", "disk-export", Path.Combine(folder.FullName, prefix) + "/", raw);

            Assert.True(exit == 0, "xva-img failed: " + output);
            var bytes = await File.ReadAllBytesAsync(raw, TestContext.Current.CancellationToken);
            Assert.Equal(Transfers.SmallSize, bytes.LongLength);
            Assert.Equal(_simulator.ReadVdi(small, 0, (int)Transfers.SmallSize), bytes);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_bad_session_gets_401_with_the_realm_and_no_archive()
    {
        var vm = (await _rpc.ResultAsync("VM.get_by_name_label", await _rpc.LoginAsync(), "build-01"))![0]!.GetValue<string>();

        using var response = await _transfers.ExportAsync("session_id=OpaqueRef:forged&ref=" + vm);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("Basic realm=\"get_export\"", response.Headers.WwwAuthenticate.Single().ToString());
    }

    [Fact]
    public async Task An_unknown_vm_fails_the_task_with_uuid_invalid_and_a_500()
    {
        var session = await _rpc.LoginAsync();
        var task = await _transfers.NewTaskAsync(session);

        using var response = await _transfers.ExportAsync($"session_id={session}&task_id={task}&uuid=no-such-vm");

        Assert.Equal(500, (int)response.StatusCode);
        var record = await _transfers.TaskAsync(session, task);
        Assert.Equal("failure", record["status"]!.GetValue<string>());
        Assert.Equal("""["UUID_INVALID","VM","no-such-vm"]""", record["error_info"]!.ToJsonString());
    }

    [Fact]
    public async Task A_running_vm_is_refused_with_vm_bad_power_state()
    {
        var session = await _rpc.LoginAsync();
        var vm = (await _rpc.ResultAsync("VM.get_by_name_label", session, "web-01"))![0]!.GetValue<string>();
        var task = await _transfers.NewTaskAsync(session);

        using var response = await _transfers.ExportAsync($"session_id={session}&task_id={task}&ref={vm}");

        Assert.Equal(500, (int)response.StatusCode);
        var record = await _transfers.TaskAsync(session, task);
        Assert.Equal($"""["VM_BAD_POWER_STATE","{vm}","halted, suspended","running"]""", record["error_info"]!.ToJsonString());
    }

    [Fact]
    public async Task Zstd_compression_is_refused_with_400_and_not_implemented()
    {
        var session = await _rpc.LoginAsync();
        var vm = (await _rpc.ResultAsync("VM.get_by_name_label", session, "build-01"))![0]!.GetValue<string>();
        var task = await _transfers.NewTaskAsync(session);

        using var response = await _transfers.ExportAsync($"session_id={session}&task_id={task}&ref={vm}&use_compression=zstd");

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("NOT_IMPLEMENTED", (await _transfers.TaskAsync(session, task))["error_info"]![0]!.GetValue<string>());
    }

    /// <summary>The members of an XML-RPC struct value, by name.</summary>
    internal static Dictionary<string, XElement> Struct(XElement value) =>
        value.Element("struct")!.Elements("member").ToDictionary(m => m.Element("name")!.Value, m => m.Element("value")!);

    private static async Task<(int Exit, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // A missing tool fails the test, never skips it: eng/test.sh installs xva-img.
        Assert.True((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, program))),
            $"{program} is not installed: apt-get install {program} (eng/install-deps.sh {program})");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }
}
