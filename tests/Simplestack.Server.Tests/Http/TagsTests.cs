using System.Net;

namespace Simplestack.Server.Tests.Http;

public class TagsTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [Fact]
    public async Task Add_list_remove()
    {
        var guest = await CreateGuestAsync();
        var url = $"{Base}/guests/{guest.Id}/tags";
        Assert.Empty(await Client.GetAsync<List<string>>(url));

        var added = await Client.PostJsonAsync(url, """{"name": "production"}""");
        await added.ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal(["production"], await added.ReadAsync<List<string>>());
        Assert.Equal($"{url}/production", added.Headers.Location!.OriginalString);

        var second = await Client.PostJsonAsync(url, """{"name": "web tier"}""");
        await second.ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal($"{url}/web%20tier", second.Headers.Location!.OriginalString);
        Assert.Equal(["production", "web tier"], (await Client.GetAsync<List<string>>(url)).Order());

        await (await Client.DeleteAsync($"{url}/production", Ct)).ShouldBeAsync(HttpStatusCode.NoContent);
        Assert.Equal(["web tier"], await Client.GetAsync<List<string>>(url));
        await (await Client.DeleteAsync(second.Headers.Location!.OriginalString, Ct)).ShouldBeAsync(HttpStatusCode.NoContent);
        Assert.Empty(await Client.GetAsync<List<string>>(url));
    }

    [Fact]
    public async Task Adding_a_tag_twice_keeps_one()
    {
        var guest = await CreateGuestAsync();
        var url = $"{Base}/guests/{guest.Id}/tags";
        await (await Client.PostJsonAsync(url, """{"name": "x"}""")).ShouldBeAsync(HttpStatusCode.Created);
        var again = await Client.PostJsonAsync(url, """{"name": "x"}""");
        await again.ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal(["x"], await again.ReadAsync<List<string>>());
    }

    [Fact]
    public async Task Tags_survive_in_the_hypervisor_and_are_not_shared_between_guests()
    {
        var a = await CreateGuestAsync();
        var b = await CreateGuestAsync();
        await (await Client.PostJsonAsync($"{Base}/guests/{a.Id}/tags", """{"name": "only-a"}""")).ShouldBeAsync(HttpStatusCode.Created);
        Assert.Empty(await Client.GetAsync<List<string>>($"{Base}/guests/{b.Id}/tags"));
        Assert.Equal(["only-a"], await Client.GetAsync<List<string>>($"{Base}/guests/{a.Name}/tags"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"name": ""}""")]
    [InlineData("""{"name": "a/b"}""")]
    [InlineData("""{"name": ["a"]}""")]
    public async Task Invalid_bodies_are_400(string body)
        => await (await Client.PostJsonAsync($"{Base}/guests/test/tags", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task Removing_an_unknown_tag_is_404()
        => await (await Client.DeleteAsync($"{Base}/guests/test/tags/never-set", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");

    [Fact]
    public async Task Tags_of_an_unknown_guest_are_404()
    {
        await (await Client.GetAsync($"{Base}/guests/no-such-guest/tags", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        await (await Client.PostJsonAsync($"{Base}/guests/no-such-guest/tags", """{"name": "x"}""")).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
    }
}
