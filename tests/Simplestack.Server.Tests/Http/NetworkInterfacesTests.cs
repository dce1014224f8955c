using System.Net;
using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Server.Tests.Http;

public class NetworkInterfacesTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [Fact]
    public async Task The_test_guest_has_a_nic_identified_by_its_mac()
    {
        var nics = await Client.GetAsync<List<NetworkInterface>>($"{Base}/guests/test/network_interfaces");
        var nic = Assert.Single(nics);
        Assert.Equal(nic.Mac, nic.Id);
        Assert.Equal(nic.Mac, (await Client.GetAsync<NetworkInterface>($"{Base}/guests/test/network_interfaces/{nic.Id}")).Mac);
    }

    [Fact]
    public async Task Add_rate_limit_and_remove_a_nic_on_a_stopped_guest()
    {
        var guest = await CreateGuestAsync();
        var url = $"{Base}/guests/{guest.Id}/network_interfaces";

        var created = await Client.PostJsonAsync(url, """{"network": "default"}""");
        await created.ShouldBeAsync(HttpStatusCode.Created);
        var nic = await created.ReadAsync<NetworkInterface>();
        Assert.Equal("default", nic.Network);
        Assert.Equal($"{url}/{nic.Id}", created.Headers.Location!.OriginalString);
        Assert.Equal(nic.Mac, (await Client.GetAsync<NetworkInterface>(created.Headers.Location!.OriginalString)).Mac);

        var libvirt = await LibvirtAsync();
        using (var domain = libvirt.TryLookupDomainByName(guest.Name)!)
        {
            Assert.Contains(nic.Mac, domain.GetXmlDesc(DomainXmlFlags.Inactive), StringComparison.OrdinalIgnoreCase);
        }

        var limited = await Client.PutJsonAsync($"{url}/{nic.Id}", """{"ratelimit": 8000000}""");
        await limited.ShouldBeAsync(HttpStatusCode.OK);
        Assert.NotNull((await Client.GetAsync<NetworkInterface>($"{url}/{nic.Id}")).RateLimit);

        await (await Client.PutJsonAsync($"{url}/{nic.Id}", """{"ratelimit": false}""")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Null((await Client.GetAsync<NetworkInterface>($"{url}/{nic.Id}")).RateLimit);

        await (await Client.DeleteAsync($"{url}/{nic.Id}", Ct)).ShouldBeAsync(HttpStatusCode.NoContent);
        await (await Client.GetAsync($"{url}/{nic.Id}", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
    }

    [Fact]
    public async Task Hot_plugging_a_nic_into_a_running_test_guest_is_501()
    {
        var guest = await CreateGuestAsync(start: true);
        var response = await Client.PostJsonAsync($"{Base}/guests/{guest.Id}/network_interfaces", """{"network": "default"}""");
        await response.ShouldBeAsync(HttpStatusCode.NotImplemented);
        Assert.StartsWith("Feature", await response.Content.ErrorWordAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"network": ""}""")]
    [InlineData("""{"network": 7}""")]
    public async Task Invalid_create_bodies_are_400(string body)
        => await (await Client.PostJsonAsync($"{Base}/guests/test/network_interfaces", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Theory]
    [InlineData("")]
    [InlineData("""{"ratelimit": true}""")]
    [InlineData("""{"ratelimit": -1}""")]
    [InlineData("""{"ratelimit": "fast"}""")]
    [InlineData("[]")]
    public async Task Invalid_update_bodies_are_400(string body)
        => await (await Client.PutJsonAsync($"{Base}/guests/test/network_interfaces/aa:bb:cc:dd:ee:ff", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task Unknown_nic_or_guest_is_404()
    {
        await (await Client.GetAsync($"{Base}/guests/test/network_interfaces/00:00:00:00:00:01", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        await (await Client.DeleteAsync($"{Base}/guests/test/network_interfaces/00:00:00:00:00:01", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        await (await Client.GetAsync($"{Base}/guests/no-such-guest/network_interfaces", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
    }

    [Fact]
    public async Task A_nic_on_an_unknown_network_is_refused()
    {
        var guest = await CreateGuestAsync();
        var response = await Client.PostJsonAsync($"{Base}/guests/{guest.Id}/network_interfaces", """{"network": "no-such-network"}""");
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }
}
