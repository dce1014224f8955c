using System.Net;
using System.Text.Json;

namespace Simplestack.Server.Tests.Clients;

/// <summary>
/// The original Ruby client's flows, in the order its users ran them: the hypervisor's info,
/// storages, a guest created and followed to its Location, updated, tagged, powered through every
/// state, rebooted, snapshotted, exported, deleted, imported back and deleted again. The same flow
/// runs against every driver (what differs is only the create body); each step asserts what the
/// gem's callers read back.
/// </summary>
public static class RubyClientFlows
{
    public static async Task RunAsync(RubyClientReplay client, string guestName, object createOptions, string exportFile)
    {
        // hypervisor.info
        var pool = await client.GetAsync(client.Url);
        Assert.True(pool.GetProperty("total_memory").GetDouble() > 0, pool.ToString());

        // hypervisor.storages.to_a, then storage.info
        var storages = await client.ItemUrlsAsync($"{client.Url}/storages");
        Assert.NotEmpty(storages);
        Assert.True((await client.GetAsync(storages[0])).TryGetProperty("size", out _));

        // hypervisor.guests.create(options): the guest is where Location says, and in the list
        var guest = await client.CreateAsync($"{client.Url}/guests", createOptions);
        Assert.Equal(guestName, Text(await client.GetAsync(guest), "name"));
        Assert.Contains(guest, await client.ItemUrlsAsync($"{client.Url}/guests"));

        // guest.update(memory:)
        await client.PutAsync(guest, new { memory = 256 });
        Assert.Equal(256, (await client.GetAsync(guest)).GetProperty("memory").GetDouble());

        // guest.add_tag / tags / remove_tag
        await client.PostAsync($"{guest}/tags", new { name = "ruby-flow" });
        Assert.Contains("ruby-flow", Strings(await client.GetAsync($"{guest}/tags")));
        await client.DeleteAsync($"{guest}/tags/ruby-flow");
        Assert.DoesNotContain("ruby-flow", Strings(await client.GetAsync($"{guest}/tags")));

        // guest.start / pause / resume / reboot / force_stop
        await client.PutAsync($"{guest}/power", new { state = "start" });
        Assert.Equal("STARTED", Text(await client.GetAsync(guest), "state"));
        await client.PutAsync($"{guest}/power", new { state = "pause" });
        Assert.Equal("PAUSED", Text(await client.GetAsync(guest), "state"));
        await client.PutAsync($"{guest}/power", new { state = "resume" });
        Assert.Equal("STARTED", Text(await client.GetAsync(guest), "state"));
        await client.PutAsync($"{guest}/reboot", new { force = false });
        await client.PutAsync($"{guest}/power", new { state = "force_stop" });
        Assert.Equal("STOPPED", Text(await client.GetAsync(guest), "state"));

        // guest.snapshots.create(name:), the list, snapshot.info, snapshot.delete
        var snapshot = await client.CreateAsync($"{guest}/snapshots", new { name = "before-upgrade" });
        Assert.Equal("before-upgrade", Text(await client.GetAsync(snapshot), "name"));
        Assert.Single(await client.ItemUrlsAsync($"{guest}/snapshots"));
        await client.DeleteAsync(snapshot);
        Assert.Empty(await client.ItemUrlsAsync($"{guest}/snapshots"));

        // get_stream(export), guest.delete, hypervisor.import(from:)
        Assert.Equal(HttpStatusCode.OK, await client.ExportAsync(guest, exportFile));
        Assert.True(new FileInfo(exportFile).Length > 0);
        await client.DeleteAsync(guest);
        Assert.DoesNotContain(guest, await client.ItemUrlsAsync($"{client.Url}/guests"));

        var back = await client.ImportAsync(exportFile);
        var imported = await client.GetAsync(back);
        Assert.Equal(guestName, Text(imported, "name"));
        Assert.Equal(256, imported.GetProperty("memory").GetDouble());
        await client.DeleteAsync(back);
        Assert.DoesNotContain(back, await client.ItemUrlsAsync($"{client.Url}/guests"));
    }

    private static string? Text(JsonElement element, string property) => element.GetProperty(property).GetString();

    private static List<string?> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString())];
}
