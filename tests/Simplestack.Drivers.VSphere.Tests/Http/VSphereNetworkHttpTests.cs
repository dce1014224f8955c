using System.Net;
using System.Text;
using System.Text.Json;
using Simplestack.Drivers.VSphere.Tests.Driver;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Http;

/// <summary>
/// NICs, networks, clone and images through the real gateway (Program, in process) against a
/// standalone ESX vcsim, the results checked in vcsim by the tests' own probe.
/// </summary>
public sealed class VSphereNetworkHttpTests(VcsimEsxFixture esx) : VcsimHttpTest(esx), IClassFixture<VcsimEsxFixture>
{

    [Fact]
    public async Task A_nic_is_added_read_refused_a_rate_limit_and_deleted_and_a_running_guest_is_not_cloned()
    {
        var name = $"ss-hnic-{Guid.NewGuid():N}"[..16];
        using var created = await PostAsync($"{Base}/guests", $$"""{"name":"{{name}}","memory":256,"start":true}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await JsonAsync(created)).GetProperty("id").GetString()!;
        try
        {
            using var nic = await PostAsync($"{Base}/guests/{id}/network_interfaces", """{"network":"VM Network","mac":"00:50:56:3A:00:01","model":"e1000"}""");
            Assert.Equal(HttpStatusCode.Created, nic.StatusCode);
            Assert.Equal($"{Base}/guests/{id}/network_interfaces/00:50:56:3a:00:01", nic.Headers.Location?.OriginalString);
            var body = await JsonAsync(nic);
            Assert.Equal(("00:50:56:3a:00:01", "e1000", "network_default"), (body.GetProperty("id").GetString(), body.GetProperty("model").GetString(), body.GetProperty("locking_mode").GetString()));
            Assert.Equal("VM Network", Assert.Single(Probe.Nics(name)).Network);

            await AssertErrorAsync(await PutAsync($"{Base}/guests/{id}/network_interfaces/00:50:56:3a:00:01", """{"ratelimit":8192000}"""), HttpStatusCode.NotImplemented, "FeatureNotAvailable");
            await AssertErrorAsync(await PostAsync($"{Base}/guests/{id}/network_interfaces", """{"network":"VM Network","model":"virtio"}"""), HttpStatusCode.BadRequest, "InvalidArguments");
            await AssertErrorAsync(await PostAsync($"{Base}/guests/{id}/clone", """{"name":"ss-never"}"""), HttpStatusCode.Conflict, "Conflict");

            using var deleted = await Client.DeleteAsync($"{Base}/guests/{id}/network_interfaces/00:50:56:3A:00:01", Ct);
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            Assert.Empty(Probe.Nics(name));
            Assert.False(Probe.GuestExists("ss-never"));
        }
        finally
        {
            (await Client.DeleteAsync($"{Base}/guests/{id}", Ct)).Dispose();
        }
    }

    [Fact]
    public async Task A_vlan_network_is_created_listed_and_deleted_and_images_are_listed()
    {
        var name = $"ss-hnet-{Guid.NewGuid():N}"[..16];
        using var created = await PostAsync($"{Base}/networks", $$"""{"name":"{{name}}","from_network":"vSwitch0","vlan":30}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"{Base}/networks/{name}", created.Headers.Location?.OriginalString);
        Assert.Equal(30, (await JsonAsync(created)).GetProperty("vlan").GetInt32());
        Assert.Single(Probe.HostPortGroups(name));
        await AssertErrorAsync(await PostAsync($"{Base}/networks", $$"""{"name":"{{name}}","from_network":"vSwitch0"}"""), HttpStatusCode.Conflict, "Conflict");

        using var list = await Client.GetAsync($"{Base}/networks", Ct);
        Assert.Contains((await JsonAsync(list)).EnumerateArray(), n => n.GetProperty("id").GetString() == name && n.GetProperty("bridge").GetString() == "vSwitch0");
        using var deleted = await Client.DeleteAsync($"{Base}/networks/{name}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(Probe.HostPortGroups(name));

        var uuid = await VcsimTemplates.EnsureAsync(esx.Vcsim);
        using var images = await Client.GetAsync($"{Base}/images", Ct);
        Assert.Equal([uuid], (await JsonAsync(images)).EnumerateArray().Select(i => i.GetProperty("id").GetString()));
    }

    private Task<HttpResponseMessage> PostAsync(string url, string json) => Client.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"), Ct);

    private Task<HttpResponseMessage> PutAsync(string url, string json) => Client.PutAsync(url, new StringContent(json, Encoding.UTF8, "application/json"), Ct);

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
        => JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
            Assert.Equal(error, JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());
        }
    }
}
