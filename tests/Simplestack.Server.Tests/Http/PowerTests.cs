using System.Net;
using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Server.Tests.Http;

public class PowerTests(GatewayFactory factory) : HttpTestBase(factory)
{
    private async Task<ActionResult> PowerAsync(string guest, string state, string query = "")
    {
        var response = await Client.PutJsonAsync($"{Base}/guests/{guest}/power{query}", $$"""{"state": "{{state}}"}""");
        await response.ShouldBeAsync(HttpStatusCode.OK);
        return await response.ReadAsync<ActionResult>();
    }

    [Fact]
    public async Task Stopping_the_test_guest_makes_it_STOPPED()
    {
        Assert.Equal(new ActionResult("stop", "ok"), await PowerAsync("test", "stop", "?wait=10"));
        Assert.Equal(GuestState.STOPPED, (await Client.GetAsync<Guest>($"{Base}/guests/test")).State);
        Assert.Equal(DomainState.Shutoff, (await DomainStateAsync("test")).State);

        await PowerAsync("test", "start");
        Assert.Equal(GuestState.STARTED, (await Client.GetAsync<Guest>($"{Base}/guests/test")).State);
    }

    [Fact]
    public async Task Start_force_stop_pause_resume()
    {
        var guest = await CreateGuestAsync();
        Assert.Equal(GuestState.STOPPED, guest.State);

        Assert.Equal("start", (await PowerAsync(guest.Id, "start")).Action);
        Assert.Equal(DomainState.Running, (await DomainStateAsync(guest.Name)).State);

        Assert.Equal("pause", (await PowerAsync(guest.Id, "pause")).Action);
        Assert.Equal(GuestState.PAUSED, (await Client.GetAsync<Guest>($"{Base}/guests/{guest.Id}")).State);
        Assert.Equal(DomainState.Paused, (await DomainStateAsync(guest.Name)).State);

        Assert.Equal("resume", (await PowerAsync(guest.Id, "resume")).Action);
        Assert.Equal(DomainState.Running, (await DomainStateAsync(guest.Name)).State);

        Assert.Equal("force_stop", (await PowerAsync(guest.Id, "force_stop")).Action);
        Assert.Equal(GuestState.STOPPED, (await Client.GetAsync<Guest>($"{Base}/guests/{guest.Id}")).State);
        Assert.Equal(DomainState.Shutoff, (await DomainStateAsync(guest.Name)).State);
    }

    [Theory]
    [InlineData("""{"state": "reboot"}""")]
    [InlineData("""{"state": ""}""")]
    [InlineData("""{"state": 1}""")]
    [InlineData("""{}""")]
    [InlineData("")]
    [InlineData("state=stop")]
    public async Task Invalid_power_bodies_are_400(string body)
        => await (await Client.PutJsonAsync($"{Base}/guests/test/power", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Theory]
    [InlineData("?wait=-1")]
    [InlineData("?wait=abc")]
    [InlineData("?wait=100000")]
    public async Task Invalid_wait_is_400(string query)
        => await (await Client.PutJsonAsync($"{Base}/guests/test/power{query}", """{"state": "stop"}""")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task Starting_a_running_guest_is_409()
    {
        var guest = await CreateGuestAsync(start: true);
        var response = await Client.PutJsonAsync($"{Base}/guests/{guest.Id}/power", """{"state": "start"}""");
        await response.ShouldBeErrorAsync(HttpStatusCode.Conflict, "Conflict");
    }

    [Fact]
    public async Task Resuming_a_stopped_guest_is_409()
    {
        var guest = await CreateGuestAsync();
        var response = await Client.PutJsonAsync($"{Base}/guests/{guest.Id}/power", """{"state": "resume"}""");
        await response.ShouldBeErrorAsync(HttpStatusCode.Conflict, "Conflict");
    }

    [Fact]
    public async Task Power_on_an_unknown_guest_is_404()
        => await (await Client.PutJsonAsync($"{Base}/guests/no-such-guest/power", """{"state": "start"}""")).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");

    [Fact]
    public async Task Reboot_with_and_without_a_body()
    {
        var guest = await CreateGuestAsync(start: true);
        var plain = await Client.PutAsync($"{Base}/guests/{guest.Id}/reboot", null, Ct);
        await plain.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(new ActionResult("reboot", "ok"), await plain.ReadAsync<ActionResult>());

        await (await Client.PutJsonAsync($"{Base}/guests/{guest.Id}/reboot", """{"force": true}""")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(DomainState.Running, (await DomainStateAsync(guest.Name)).State);
    }

    [Fact]
    public async Task Reboot_with_a_bad_body_is_400()
        => await (await Client.PutJsonAsync($"{Base}/guests/test/reboot", """{"force": "yes"}""")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task Rebooting_a_stopped_guest_is_409()
    {
        var guest = await CreateGuestAsync();
        await (await Client.PutJsonAsync($"{Base}/guests/{guest.Id}/reboot", "{}")).ShouldBeErrorAsync(HttpStatusCode.Conflict, "Conflict");
    }

    [Fact]
    public async Task Reboot_of_an_unknown_guest_is_404()
        => await (await Client.PutAsync($"{Base}/guests/no-such-guest/reboot", null, Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
}
