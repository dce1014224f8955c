using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Http;

/// <summary>
/// What the gateway does to a vCenter, read back by Debian's pyVmomi (python3-pyvmomi, VMware's
/// own Python binding) from the same vcsim: proof that the gateway's SOAP is vSphere's, read by a
/// client that shares nothing with it.
/// </summary>
public sealed class PyVmomiCrossCheckTests(VcsimVpxFixture vpx) : IClassFixture<VcsimVpxFixture>, IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private WebApplicationFactory<Program> _gateway = null!;
    private HttpClient _client = null!;
    private string _base = "";

    public ValueTask InitializeAsync()
    {
        _base = $"/vmware/127.0.0.1:{vpx.Vcsim.Port}";
        _gateway = VcsimGateway.Create(vpx.Vcsim);
        _client = VcsimGateway.Client(_gateway, vpx.Vcsim);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task A_guest_created_reconfigured_tagged_snapshotted_and_deleted_through_the_gateway_is_seen_so_by_pyVmomi()
    {
        var name = $"ss-py-{Guid.NewGuid():N}"[..14];
        using var created = await PostAsync($"{_base}/guests",
            $$"""{"name":"{{name}}","memory":256,"cpus":1,"disks":[{"size":2}],"network_interfaces":[{"network":"VM Network"}]}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!;

        var seen = await InspectAsync(name);
        Assert.True(seen.GetProperty("exists").GetBoolean());
        Assert.Equal(id, seen.GetProperty("uuid").GetString());
        Assert.Equal(256, seen.GetProperty("memoryMB").GetInt32());
        Assert.Equal(1, seen.GetProperty("numCPU").GetInt32());
        Assert.Equal(2 * 1024 * 1024, Assert.Single(seen.GetProperty("disks").EnumerateArray()).GetProperty("capacityKB").GetInt64());
        Assert.Equal("VM Network", Assert.Single(seen.GetProperty("nics").EnumerateArray()).GetProperty("network").GetString());

        Assert.Equal(HttpStatusCode.OK, (await PutAsync($"{_base}/guests/{id}", """{"memory":512,"cpus":2}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync($"{_base}/guests/{id}/tags", """{"name":"web"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync($"{_base}/guests/{id}/snapshots", """{"name":"before-upgrade"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync($"{_base}/guests/{id}/power", """{"state":"start"}""")).StatusCode);

        seen = await InspectAsync(name);
        Assert.Equal(512, seen.GetProperty("memoryMB").GetInt32());
        Assert.Equal(2, seen.GetProperty("numCPU").GetInt32());
        Assert.Equal("web", seen.GetProperty("annotation").GetString());
        Assert.Equal(["before-upgrade"], seen.GetProperty("snapshots").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("poweredOn", seen.GetProperty("powerState").GetString());

        using var deleted = await _client.DeleteAsync($"{_base}/guests/{id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False((await InspectAsync(name)).GetProperty("exists").GetBoolean());
    }

    private Task<JsonElement> InspectAsync(string name) => PyVmomi.RunAsync("pyvmomi_inspect.py", vpx.Vcsim, Ct, name);

    private Task<HttpResponseMessage> PostAsync(string url, string json)
        => _client.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"), Ct);

    private Task<HttpResponseMessage> PutAsync(string url, string json)
        => _client.PutAsync(url, new StringContent(json, Encoding.UTF8, "application/json"), Ct);
}
