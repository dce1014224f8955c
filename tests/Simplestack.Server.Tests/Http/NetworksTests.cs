using System.Net;
using Simplestack.Core;

namespace Simplestack.Server.Tests.Http;

public class NetworksTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [Fact]
    public async Task The_default_network_by_name_and_by_uuid()
    {
        var networks = await Client.GetAsync<List<Network>>($"{Base}/networks");
        var network = Assert.Single(networks, n => n.Name == "default");
        Assert.Equal("default", network.Id);
        Assert.Equal("default", (await Client.GetAsync<Network>($"{Base}/networks/{network.Uuid}")).Id);
    }

    [Fact]
    public async Task Create_read_back_and_delete()
    {
        var name = UniqueName("net");
        var created = await Client.PostJsonAsync($"{Base}/networks", "{\"name\": \"" + name + "\", \"description\": \"lab network\", \"other_config\": {}}");
        await created.ShouldBeAsync(HttpStatusCode.Created);
        var network = await created.ReadAsync<Network>();
        Assert.Equal(name, network.Id);
        Assert.Equal($"{Base}/networks/{name}", created.Headers.Location!.OriginalString);
        Assert.Equal(name, (await Client.GetAsync<Network>(created.Headers.Location!.OriginalString)).Name);

        var libvirt = await LibvirtAsync();
        using (var native = libvirt.TryLookupNetworkByName(name))
        {
            Assert.NotNull(native);
        }

        await (await Client.DeleteAsync($"{Base}/networks/{name}", Ct)).ShouldBeAsync(HttpStatusCode.NoContent);
        await (await Client.GetAsync($"{Base}/networks/{name}", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        Assert.Null(libvirt.TryLookupNetworkByName(name));
    }

    [Fact]
    public async Task A_vlan_without_from_network_is_400()
        => await (await Client.PostJsonAsync($"{Base}/networks", """{"name": "vlan2", "vlan": 2}""")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task A_taken_name_is_409()
        => await (await Client.PostJsonAsync($"{Base}/networks", """{"name": "default"}""")).ShouldBeErrorAsync(HttpStatusCode.Conflict, "Conflict");

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"name": ""}""")]
    [InlineData("""{"name": "n", "vlan": 5000}""")]
    [InlineData("""{"name": "n", "vlan": "two"}""")]
    [InlineData("""{"name": "n", "other_config": []}""")]
    public async Task Invalid_bodies_are_400(string body)
        => await (await Client.PostJsonAsync($"{Base}/networks", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task Unknown_network_is_404()
    {
        await (await Client.GetAsync($"{Base}/networks/no-such-network", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        await (await Client.DeleteAsync($"{Base}/networks/no-such-network", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
    }
}
