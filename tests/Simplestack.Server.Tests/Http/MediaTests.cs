using System.Net;
using Simplestack.Core;

namespace Simplestack.Server.Tests.Http;

public class MediaTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [Fact]
    public async Task An_empty_drive_reads_as_null()
        => Assert.Null((await Client.GetAsync<MediaDevice>($"{Base}/guests/test/media_device")).Name);

    [Theory]
    [InlineData("""{"name": null}""")]
    [InlineData("""{"name": ""}""")]
    public async Task Ejecting_an_empty_drive_answers_null(string body)
    {
        var response = await Client.PutJsonAsync($"{Base}/guests/test/media_device", body);
        await response.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Null((await response.ReadAsync<MediaDevice>()).Name);
        Assert.Null((await Client.GetAsync<MediaDevice>($"{Base}/guests/test/media_device")).Name);
    }

    [Fact]
    public async Task Mounting_an_iso_that_is_no_volume_is_refused()
    {
        var response = await Client.PutJsonAsync($"{Base}/guests/test/media_device", """{"name": "no-such.iso"}""");
        await response.ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"name": 3}""")]
    [InlineData("not json")]
    public async Task Invalid_bodies_are_400(string body)
        => await (await Client.PutJsonAsync($"{Base}/guests/test/media_device", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task Media_of_an_unknown_guest_is_404()
        => await (await Client.GetAsync($"{Base}/guests/no-such-guest/media_device", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
}
