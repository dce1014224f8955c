using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Simplestack.Drivers.VSphere.Tests.Http;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Inventory;

/// <summary>The guest list through the real gateway (its pooled connection's inventory): the gateway's own create and delete show in the next GET.</summary>
public sealed class InventoryHttpTests(VcsimVpxFixture vpx) : IClassFixture<VcsimVpxFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_guest_created_then_deleted_through_the_gateway_is_in_the_next_list_then_out_of_it()
    {
        var port = vpx.Vcsim.Port;
        var root = $"/vmware/127.0.0.1:{port}";
        await using var gateway = VcsimGateway.Create(vpx.Vcsim);
        using var client = VcsimGateway.Client(gateway, vpx.Vcsim);
        var name = $"ss-inv-{Guid.NewGuid():N}"[..16];
        Assert.DoesNotContain(name, await NamesAsync(client, root));

        using var created = await client.PostAsync($"{root}/guests",
            new StringContent($$"""{"name":"{{name}}","memory":64,"disks":[{"size":1}]}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString();
        Assert.Contains(name, await NamesAsync(client, root));

        using var deleted = await client.DeleteAsync($"{root}/guests/{id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.DoesNotContain(name, await NamesAsync(client, root));
    }

    private static async Task<IReadOnlyList<string>> NamesAsync(HttpClient client, string root)
    {
        using var response = await client.GetAsync($"{root}/guests", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return [.. JsonDocument.Parse(text).RootElement.EnumerateArray().Select(g => g.GetProperty("name").GetString()!)];
    }
}
