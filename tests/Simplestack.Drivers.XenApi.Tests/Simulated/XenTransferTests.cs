extern alias XenSimulator;

using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Simplestack.Server.Tests.Clients;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// Export and import over the gateway's routes on xen: XVA streamed from the simulator's
/// <c>/export</c> and into its <c>/import</c>, the disk's bytes the same after the round trip, a
/// missing length 411, and no task left behind.
/// </summary>
public sealed class XenTransferTests : XenGatewayTest
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task Export_delete_import_gives_back_the_guest_with_the_same_disk_bytes_and_leaves_no_task()
    {
        var diskUuid = await DiskPathAsync("build-01");
        byte[] head = [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))];
        byte[] far = [.. Enumerable.Range(0, 512).Select(i => (byte)(255 - i))];
        Simulator.WriteVdi(diskUuid, 0, head);
        Simulator.WriteVdi(diskUuid, 5 * MiB + 3, far);

        using var export = await Client.GetAsync($"{Base}/guests/build-01/export", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("build-01.xva", export.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var xva = await export.Content.ReadAsByteArrayAsync(Ct);
        Assert.Contains("ova.xml", EntryNames(xva));

        await Expect(HttpStatusCode.NoContent, await Client.DeleteAsync($"{Base}/guests/build-01", Ct));
        Assert.DoesNotContain(diskUuid, Simulator.Uuids("VDI"));

        using var content = new ByteArrayContent(xva);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var imported = await Client.PostAsync($"{Base}/guests", content, Ct);
        var body = await Expect(HttpStatusCode.Created, imported);
        var guest = JsonDocument.Parse(body).RootElement;
        Assert.Equal("build-01", guest.GetProperty("name").GetString());
        Assert.Equal($"{Base}/guests/{guest.GetProperty("id").GetString()}", imported.Headers.Location?.OriginalString);

        var newDisk = await DiskPathAsync("build-01");
        Assert.NotEqual(diskUuid, newDisk);
        Assert.Equal(head, Simulator.ReadVdi(newDisk, 0, head.Length));
        Assert.Equal(far, Simulator.ReadVdi(newDisk, 5 * MiB + 3, far.Length));
        Assert.Empty(Simulator.Uuids("task")); // Both transfers' tasks were destroyed.
    }

    [Fact]
    public async Task Export_of_a_running_guest_is_409_and_of_an_unknown_one_404()
    {
        await Expect(HttpStatusCode.Conflict, await Client.GetAsync($"{Base}/guests/web-01/export", Ct));
        await Expect(HttpStatusCode.NotFound, await Client.GetAsync($"{Base}/guests/{Guid.NewGuid()}/export", Ct));
        Assert.Empty(Simulator.Uuids("task"));
    }

    [Fact]
    public async Task An_import_without_a_length_is_411_and_a_body_that_is_not_an_xva_is_refused_and_changes_nothing()
    {
        var vms = Simulator.Uuids("VM").Count;
        var vdis = Simulator.Uuids("VDI").Count;

        using var chunked = new HttpRequestMessage(HttpMethod.Post, $"{Base}/guests") { Content = new StreamContent(new NoLengthStream(new byte[2048])) };
        chunked.Headers.TransferEncodingChunked = true;
        var answer = await Expect(HttpStatusCode.LengthRequired, await Client.SendAsync(chunked, Ct));
        Assert.Contains("Content-Length", answer, StringComparison.Ordinal);

        using var garbage = new ByteArrayContent(new byte[4096]);
        using var refused = await Client.PostAsync($"{Base}/guests", garbage, Ct);
        Assert.InRange((int)refused.StatusCode, 400, 499);
        Assert.Equal(vms, Simulator.Uuids("VM").Count);
        Assert.Equal(vdis, Simulator.Uuids("VDI").Count);
        Assert.Empty(Simulator.Uuids("task"));
    }

    [Fact]
    public async Task An_import_into_a_named_storage_puts_the_disks_there()
    {
        var export = await Client.GetAsync($"{Base}/guests/build-01/export", Ct);
        var xva = await export.Content.ReadAsByteArrayAsync(Ct);
        var storages = JsonDocument.Parse(await Client.GetStringAsync($"{Base}/storages", Ct)).RootElement.EnumerateArray()
            .Where(s => s.GetProperty("type").GetString() != "iso").Select(s => s.GetProperty("id").GetString()!).ToList();
        var target = storages.Last();

        using var content = new ByteArrayContent(xva);
        using var imported = await Client.PostAsync($"{Base}/storages/{target}/guests", content, Ct);
        var guest = JsonDocument.Parse(await Expect(HttpStatusCode.Created, imported)).RootElement.GetProperty("id").GetString();
        var disk = await DiskPathAsync(guest!);
        var sr = (string)Simulator.Record("VDI", disk)!["SR"]!;
        Assert.Equal(target, (string)Simulator.Record("SR", sr)!["uuid"]!);
    }

    [Fact]
    public async Task The_original_ruby_clients_flows_pass_on_xen()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ruby-xen-{Guid.NewGuid():N}.xva");
        try
        {
            var client = new RubyClientReplay(Gateway.CreateClient(), Base, XenGateway.User, XenGateway.Password);
            var create = new { name = "ruby-xen", memory = 512, cpus = 1, image = "Other install media", disks = new[] { new { size = 1 } } };
            await RubyClientFlows.RunAsync(client, "ruby-xen", create, file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<string> DiskPathAsync(string guest)
    {
        var disks = JsonDocument.Parse(await Client.GetStringAsync($"{Base}/guests/{guest}/disks", Ct)).RootElement;
        return disks.EnumerateArray().First().GetProperty("path").GetString()!;
    }

    private static List<string> EntryNames(byte[] tar)
    {
        using var reader = new TarReader(new MemoryStream(tar));
        var names = new List<string>();
        while (reader.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }

    private static async Task<string> Expect(HttpStatusCode status, HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>A body sent chunked: its length is not known up front.</summary>
    private sealed class NoLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
