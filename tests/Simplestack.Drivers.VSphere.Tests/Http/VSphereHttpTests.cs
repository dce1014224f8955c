using System.Net;
using System.Text;
using System.Text.Json;
using Simplestack.Drivers.Conformance;
using Simplestack.Drivers.VSphere.Tests.Driver;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Http;

/// <summary>
/// The real gateway (Program, in process) over <c>/vmware/127.0.0.1:PORT/...</c> against one vCenter
/// vcsim: only that target allowed, its certificate pinned by configuration, the results checked
/// in vcsim by the tests' own probe. Each test leaves vcsim's four VMs as it found them (running).
/// </summary>
public sealed class VSphereHttpTests(VcsimVpxFixture vpx) : VcsimHttpTest(vpx), IClassFixture<VcsimVpxFixture>
{

    [Fact]
    public async Task Pool_hosts_storages_and_guests_are_served()
    {
        var pool = await GetJsonAsync(Base);
        Assert.Equal("6.5.0", pool.GetProperty("software_info").GetProperty("version").GetString());
        Assert.True(pool.GetProperty("total_memory").GetInt64() > 0);
        Assert.Equal(4, (await GetJsonAsync($"{Base}/hosts")).GetArrayLength());
        Assert.Equal("LocalDS_0", (await GetJsonAsync($"{Base}/storages")).EnumerateArray().Single().GetProperty("name").GetString());

        var guests = await GetJsonAsync($"{Base}/guests");
        Assert.Equal(["DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1", "DC0_H0_VM0", "DC0_H0_VM1"], guests.EnumerateArray().Select(g => g.GetProperty("name").GetString()));
        var first = guests[0];
        var byId = await GetJsonAsync($"{Base}/guests/{first.GetProperty("id").GetString()}");
        Assert.Equal(first.GetProperty("name").GetString(), byId.GetProperty("name").GetString());
        Assert.Equal(Probe.NativeState(first.GetProperty("name").GetString()!), byId.GetProperty("state_detail").GetString());
    }

    [Fact]
    public async Task Power_moves_a_guest_and_the_wrong_state_is_409()
    {
        const string name = "DC0_H0_VM1";
        Assert.Equal(HttpStatusCode.OK, (await PutAsync($"{Base}/guests/{name}/power", """{"state":"pause"}""")).StatusCode);
        Assert.Equal(ProbedPower.Paused, Probe.Power(name));
        Assert.Equal("PAUSED", (await GetJsonAsync($"{Base}/guests/{name}")).GetProperty("state").GetString());

        Assert.Equal(HttpStatusCode.OK, (await PutAsync($"{Base}/guests/{name}/power", """{"state":"resume"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync($"{Base}/guests/{name}/power?wait=30", """{"state":"stop"}""")).StatusCode);
        Assert.Equal(ProbedPower.Stopped, Probe.Power(name));
        await AssertErrorAsync(await PutAsync($"{Base}/guests/{name}/power", """{"state":"force_stop"}"""), HttpStatusCode.Conflict, "Conflict");

        Assert.Equal(HttpStatusCode.OK, (await PutAsync($"{Base}/guests/{name}/power", """{"state":"start"}""")).StatusCode);
        Assert.Equal(ProbedPower.Running, Probe.Power(name));
    }

    [Fact]
    public async Task Reboot_without_force_is_501_on_vcsim_and_with_force_resets()
    {
        // vcsim 0.24.2 has no RebootGuest: MethodNotFound is 501 FeatureNotAvailable, never a 500.
        await AssertErrorAsync(await PutAsync($"{Base}/guests/DC0_H0_VM0/reboot", "{}"), HttpStatusCode.NotImplemented, "FeatureNotAvailable");
        Assert.Equal(HttpStatusCode.OK, (await PutAsync($"{Base}/guests/DC0_H0_VM0/reboot", """{"force":true}""")).StatusCode);
        Assert.Equal(ProbedPower.Running, Probe.Power("DC0_H0_VM0"));
    }

    [Fact]
    public async Task A_guest_is_created_updated_and_deleted()
    {
        var name = $"ss-http-{Guid.NewGuid():N}"[..16];
        using var created = await Client.PostAsync($"{Base}/guests",
            new StringContent($$"""{"name":"{{name}}","memory":256,"cpus":1,"disks":[{"size":1}],"network_interfaces":[{"network":"VM Network"}]}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var guest = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement;
        var id = guest.GetProperty("id").GetString()!;
        Assert.Equal($"{Base}/guests/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(1, guest.GetProperty("hdd").GetDouble());
        Assert.Equal("VM Network", Assert.Single(Probe.Nics(name)).Network);

        using var updated = await PutAsync($"{Base}/guests/{id}", """{"memory":512,"cpus":2}""");
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(512, Probe.DefinedMemoryMiB(name));
        Assert.Equal(2, Probe.DefinedCpus(name));

        using var deleted = await Client.DeleteAsync($"{Base}/guests/{id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(Probe.GuestExists(name));
        await AssertErrorAsync(await Client.GetAsync($"{Base}/guests/{id}", Ct), HttpStatusCode.NotFound, "EntityNotFound");
    }

    [Fact]
    public async Task Disk_and_volume_ids_pass_in_one_url_segment()
    {
        using var disk = await Client.GetAsync($"{Base}/guests/DC0_H0_VM0/disks/0:0", Ct);
        Assert.Equal(HttpStatusCode.OK, disk.StatusCode);
        var path = JsonDocument.Parse(await disk.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("path").GetString()!;
        Assert.StartsWith("[LocalDS_0] DC0_H0_VM0/", path, StringComparison.Ordinal);

        // The volume id is the path inside the datastore with '/' written ':'.
        var id = path["[LocalDS_0] ".Length..].Replace('/', ':');
        using var volume = await Client.GetAsync($"{Base}/storages/LocalDS_0/volumes/{id}", Ct);
        Assert.Equal(HttpStatusCode.OK, volume.StatusCode);
        var found = JsonDocument.Parse(await volume.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(path, found.GetProperty("path").GetString());
        Assert.Contains("DC0_H0_VM0", found.GetProperty("used_by").EnumerateArray().Select(u => u.GetString()));
        await AssertErrorAsync(await Client.DeleteAsync($"{Base}/storages/LocalDS_0/volumes/{id}", Ct), HttpStatusCode.Conflict, "Conflict");
        await AssertErrorAsync(await Client.GetAsync($"{Base}/storages/LocalDS_0/volumes/no-such-volume", Ct), HttpStatusCode.NotFound, "EntityNotFound");
    }

    [Fact]
    public async Task Wrong_or_missing_credentials_are_401_and_the_answer_names_neither()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Base}/guests");
        request.Headers.Add("x-simplestack-hypervisor-token", VcsimGateway.Token("root", "N0t-the-Pa55"));
        using var client = Gateway.CreateClient();
        var wrong = await client.SendAsync(request, Ct);
        var body = await AssertErrorAsync(wrong, HttpStatusCode.Unauthorized, "Unauthorized");
        Assert.DoesNotContain("N0t-the-Pa55", body, StringComparison.Ordinal);

        await AssertErrorAsync(await client.GetAsync($"{Base}/guests", Ct), HttpStatusCode.Unauthorized, "Unauthorized");
        await AssertErrorAsync(await Client.GetAsync($"{Base}/guests/no-such-guest", Ct), HttpStatusCode.NotFound, "EntityNotFound");
    }

    [Fact]
    public async Task The_list_filters_by_tag_from_the_annotation_it_already_reads()
    {
        var tag = $"flt-{Guid.NewGuid():N}"[..12];
        var tagsUrl = $"{Base}/guests/DC0_H0_VM1/tags";
        using (var body = new StringContent($$"""{"name":"{{tag}}"}""", Encoding.UTF8, "application/json"))
        {
            Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync(tagsUrl, body, Ct)).StatusCode);
        }

        try
        {
            async Task<List<string>> NamesAsync(string query)
                => [.. (await GetJsonAsync($"{Base}/guests?{query}")).EnumerateArray().Select(g => g.GetProperty("name").GetString()!)];

            // The inventory follows the annotation through its property collector's updates.
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while ((await NamesAsync($"tag={tag}")).Count == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, Ct);
            }

            Assert.Equal(["DC0_H0_VM1"], await NamesAsync($"tag={tag}"));
            Assert.Equal(["DC0_H0_VM1"], await NamesAsync($"tag={tag}&state=started&name=DC0_H?_VM*"));
            Assert.Empty(await NamesAsync($"tag={tag}&state=STOPPED"));
            Assert.Equal(["DC0_H0_VM0", "DC0_H0_VM1"], await NamesAsync("name=DC0_H0_*"));
        }
        finally
        {
            Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"{tagsUrl}/{tag}", Ct)).StatusCode);
        }
    }

    private async Task<JsonElement> GetJsonAsync(string url)
    {
        using var response = await Client.GetAsync(url, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private Task<HttpResponseMessage> PutAsync(string url, string json)
        => Client.PutAsync(url, new StringContent(json, Encoding.UTF8, "application/json"), Ct);

    private static async Task<string> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
            Assert.Equal(error, JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());
            return text;
        }
    }
}
