using System.Net;
using Simplestack.Core;

namespace Simplestack.Server.Tests.Http;

public class SnapshotsTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [Fact]
    public async Task Create_list_get_revert_delete()
    {
        var guest = await CreateGuestAsync();
        var url = $"{Base}/guests/{guest.Id}/snapshots";

        var created = await Client.PostJsonAsync(url, """{"name": "before-upgrade"}""");
        await created.ShouldBeAsync(HttpStatusCode.Created);
        var snapshot = await created.ReadAsync<Snapshot>();
        Assert.Equal("before-upgrade", snapshot.Id);
        Assert.Equal($"{url}/before-upgrade", created.Headers.Location!.OriginalString);
        Assert.InRange(snapshot.Created, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.EndsWith("Z\"", System.Text.RegularExpressions.Regex.Match(await created.Content.ReadAsStringAsync(Ct), "\"created\":\"[^\"]*\"").Value, StringComparison.Ordinal);

        var list = await Client.GetAsync<List<Snapshot>>(url);
        Assert.Contains(list, s => s.Id == "before-upgrade");
        Assert.Equal("before-upgrade", (await Client.GetAsync<Snapshot>(created.Headers.Location!.OriginalString)).Name);

        var libvirt = await LibvirtAsync();
        using (var domain = libvirt.TryLookupDomainByName(guest.Name)!)
        {
            using var native = domain.TryLookupSnapshotByName("before-upgrade");
            Assert.NotNull(native);
        }

        var revert = await Client.PutAsync($"{url}/before-upgrade/revert", null, Ct);
        await revert.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(new ActionResult("revert", "ok"), await revert.ReadAsync<ActionResult>());

        await (await Client.DeleteAsync($"{url}/before-upgrade", Ct)).ShouldBeAsync(HttpStatusCode.NoContent);
        await (await Client.GetAsync($"{url}/before-upgrade", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        Assert.DoesNotContain(await Client.GetAsync<List<Snapshot>>(url), s => s.Id == "before-upgrade");
        using (var domain = libvirt.TryLookupDomainByName(guest.Name)!)
        {
            Assert.Null(domain.TryLookupSnapshotByName("before-upgrade"));
        }
    }

    [Fact]
    public async Task Revert_restores_the_state_at_the_snapshot()
    {
        var guest = await CreateGuestAsync(start: true);
        var url = $"{Base}/guests/{guest.Id}/snapshots";
        await (await Client.PostJsonAsync(url, """{"name": "running"}""")).ShouldBeAsync(HttpStatusCode.Created);
        await (await Client.PutJsonAsync($"{Base}/guests/{guest.Id}/power", """{"state": "force_stop"}""")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(GuestState.STOPPED, (await Client.GetAsync<Guest>($"{Base}/guests/{guest.Id}")).State);

        await (await Client.PutAsync($"{url}/running/revert", null, Ct)).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(GuestState.STARTED, (await Client.GetAsync<Guest>($"{Base}/guests/{guest.Id}")).State);
    }

    [Fact]
    public async Task Without_a_body_a_name_is_generated()
    {
        var guest = await CreateGuestAsync();
        var response = await Client.PostAsync($"{Base}/guests/{guest.Id}/snapshots", null, Ct);
        await response.ShouldBeAsync(HttpStatusCode.Created);
        var snapshot = await response.ReadAsync<Snapshot>();
        Assert.False(string.IsNullOrWhiteSpace(snapshot.Id));
        Assert.Contains(await Client.GetAsync<List<Snapshot>>($"{Base}/guests/{guest.Id}/snapshots"), s => s.Id == snapshot.Id);
    }

    [Fact]
    public async Task A_taken_name_is_409()
    {
        var guest = await CreateGuestAsync();
        var url = $"{Base}/guests/{guest.Id}/snapshots";
        await (await Client.PostJsonAsync(url, """{"name": "twice"}""")).ShouldBeAsync(HttpStatusCode.Created);
        await (await Client.PostJsonAsync(url, """{"name": "twice"}""")).ShouldBeErrorAsync(HttpStatusCode.Conflict, "Conflict");
    }

    [Theory]
    [InlineData("""{"name": ""}""")]
    [InlineData("""{"name": 5}""")]
    [InlineData("""{"name": "a" """)]
    public async Task Invalid_bodies_are_400(string body)
        => await (await Client.PostJsonAsync($"{Base}/guests/test/snapshots", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task Unknown_snapshot_is_404_for_get_revert_and_delete()
    {
        await (await Client.GetAsync($"{Base}/guests/test/snapshots/nope", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        await (await Client.PutAsync($"{Base}/guests/test/snapshots/nope/revert", null, Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        await (await Client.DeleteAsync($"{Base}/guests/test/snapshots/nope", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
    }

    [Fact]
    public async Task Snapshots_of_an_unknown_guest_are_404()
        => await (await Client.GetAsync($"{Base}/guests/no-such-guest/snapshots", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
}
