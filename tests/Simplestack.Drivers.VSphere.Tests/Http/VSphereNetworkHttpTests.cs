using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Simplestack.Drivers.VSphere.Tests.Driver;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Http;

/// <summary>
/// NICs, networks, clone and images through the real gateway (Program, in process) against a
/// standalone ESX vcsim, the results checked in vcsim by the tests' own probe.
/// </summary>
public sealed class VSphereNetworkHttpTests(VcsimEsxFixture esx) : IClassFixture<VcsimEsxFixture>, IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private WebApplicationFactory<Program> _gateway = null!;
    private HttpClient _client = null!;
    private VcsimProbe _probe = null!;
    private string _base = "";

    public ValueTask InitializeAsync()
    {
        var port = esx.Vcsim.Port;
        _base = $"/vmware/127.0.0.1:{port}";
        _gateway = VcsimGateway.Create(esx.Vcsim);
        _client = VcsimGateway.Client(_gateway, esx.Vcsim);
        _probe = new VcsimProbe(esx.Vcsim);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
        _probe.Dispose();
    }

    [Fact]
    public async Task A_nic_is_added_read_refused_a_rate_limit_and_deleted_and_a_running_guest_is_not_cloned()
    {
        var name = $"ss-hnic-{Guid.NewGuid():N}"[..16];
        using var created = await PostAsync($"{_base}/guests", $$"""{"name":"{{name}}","memory":256,"start":true}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await JsonAsync(created)).GetProperty("id").GetString()!;
        try
        {
            using var nic = await PostAsync($"{_base}/guests/{id}/network_interfaces", """{"network":"VM Network","mac":"00:50:56:3A:00:01","model":"e1000"}""");
            Assert.Equal(HttpStatusCode.Created, nic.StatusCode);
            Assert.Equal($"{_base}/guests/{id}/network_interfaces/00:50:56:3a:00:01", nic.Headers.Location?.OriginalString);
            var body = await JsonAsync(nic);
            Assert.Equal(("00:50:56:3a:00:01", "e1000", "network_default"), (body.GetProperty("id").GetString(), body.GetProperty("model").GetString(), body.GetProperty("locking_mode").GetString()));
            Assert.Equal("VM Network", Assert.Single(_probe.Nics(name)).Network);

            await AssertErrorAsync(await PutAsync($"{_base}/guests/{id}/network_interfaces/00:50:56:3a:00:01", """{"ratelimit":8192000}"""), HttpStatusCode.NotImplemented, "FeatureNotAvailable");
            await AssertErrorAsync(await PostAsync($"{_base}/guests/{id}/network_interfaces", """{"network":"VM Network","model":"virtio"}"""), HttpStatusCode.BadRequest, "InvalidArguments");
            await AssertErrorAsync(await PostAsync($"{_base}/guests/{id}/clone", """{"name":"ss-never"}"""), HttpStatusCode.Conflict, "Conflict");

            using var deleted = await _client.DeleteAsync($"{_base}/guests/{id}/network_interfaces/00:50:56:3A:00:01", Ct);
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            Assert.Empty(_probe.Nics(name));
            Assert.False(_probe.GuestExists("ss-never"));
        }
        finally
        {
            (await _client.DeleteAsync($"{_base}/guests/{id}", Ct)).Dispose();
        }
    }

    [Fact]
    public async Task A_vlan_network_is_created_listed_and_deleted_and_images_are_listed()
    {
        var name = $"ss-hnet-{Guid.NewGuid():N}"[..16];
        using var created = await PostAsync($"{_base}/networks", $$"""{"name":"{{name}}","from_network":"vSwitch0","vlan":30}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"{_base}/networks/{name}", created.Headers.Location?.OriginalString);
        Assert.Equal(30, (await JsonAsync(created)).GetProperty("vlan").GetInt32());
        Assert.Single(_probe.HostPortGroups(name));
        await AssertErrorAsync(await PostAsync($"{_base}/networks", $$"""{"name":"{{name}}","from_network":"vSwitch0"}"""), HttpStatusCode.Conflict, "Conflict");

        using var list = await _client.GetAsync($"{_base}/networks", Ct);
        Assert.Contains((await JsonAsync(list)).EnumerateArray(), n => n.GetProperty("id").GetString() == name && n.GetProperty("bridge").GetString() == "vSwitch0");
        using var deleted = await _client.DeleteAsync($"{_base}/networks/{name}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(_probe.HostPortGroups(name));

        var uuid = await VcsimTemplates.EnsureAsync(esx.Vcsim);
        using var images = await _client.GetAsync($"{_base}/images", Ct);
        Assert.Equal([uuid], (await JsonAsync(images)).EnumerateArray().Select(i => i.GetProperty("id").GetString()));
    }

    private Task<HttpResponseMessage> PostAsync(string url, string json) => _client.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"), Ct);

    private Task<HttpResponseMessage> PutAsync(string url, string json) => _client.PutAsync(url, new StringContent(json, Encoding.UTF8, "application/json"), Ct);

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
