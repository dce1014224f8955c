using System.Net;
using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Server.Tests.Http;

public class DisksTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [Fact]
    public async Task The_test_guest_has_a_disk_by_device_target()
    {
        var disks = await Client.GetAsync<List<Disk>>($"{Base}/guests/test/disks");
        var disk = Assert.Single(disks);
        Assert.Equal("vda", disk.Id);
        Assert.Equal(0, disk.Number);
        Assert.Equal("vda", (await Client.GetAsync<Disk>($"{Base}/guests/test/disks/vda")).Id);
    }

    [Fact]
    public async Task Add_grow_and_remove_a_disk_on_a_stopped_guest()
    {
        var guest = await CreateGuestAsync();
        var url = $"{Base}/guests/{guest.Id}/disks";

        var created = await Client.PostJsonAsync(url, """{"size": 1}""");
        await created.ShouldBeAsync(HttpStatusCode.Created);
        var disk = await created.ReadAsync<Disk>();
        Assert.Equal(1, disk.Size);
        Assert.Equal(1L << 30, disk.SizeBytes);
        Assert.Equal($"{url}/{disk.Id}", created.Headers.Location!.OriginalString);
        Assert.Equal(disk.Id, (await Client.GetAsync<Disk>(created.Headers.Location!.OriginalString)).Id);

        var libvirt = await LibvirtAsync();
        using (var domain = libvirt.TryLookupDomainByName(guest.Name)!)
        {
            Assert.Contains($"dev='{disk.Id}'", domain.GetXmlDesc(DomainXmlFlags.Inactive), StringComparison.Ordinal);
        }

        // The test hypervisor cannot resize volumes (no virStorageVolResize): 501, and nothing changed.
        var grown = await Client.PutJsonAsync($"{url}/{disk.Id}", """{"size": 2}""");
        await grown.ShouldBeErrorAsync(HttpStatusCode.NotImplemented, "FeatureNotAvailable");
        Assert.Equal(1, (await Client.GetAsync<Disk>($"{url}/{disk.Id}")).Size);

        await (await Client.DeleteAsync($"{url}/{disk.Id}", Ct)).ShouldBeAsync(HttpStatusCode.NoContent);
        await (await Client.GetAsync($"{url}/{disk.Id}", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        Assert.Empty(await Client.GetAsync<List<Disk>>(url));
    }

    [Fact]
    public async Task Hot_plugging_a_disk_into_a_running_test_guest_is_501()
    {
        var guest = await CreateGuestAsync(start: true);
        var response = await Client.PostJsonAsync($"{Base}/guests/{guest.Id}/disks", """{"size": 1}""");
        await response.ShouldBeAsync(HttpStatusCode.NotImplemented);
        Assert.StartsWith("Feature", await response.Content.ErrorWordAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"size": 0}""")]
    [InlineData("""{"size": -1}""")]
    [InlineData("""{"size": "big"}""")]
    [InlineData("""{"size": 1, "name": ""}""")]
    public async Task Invalid_create_bodies_are_400(string body)
        => await (await Client.PostJsonAsync($"{Base}/guests/test/disks", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Theory]
    [InlineData("")]
    [InlineData("""{"size": 0}""")]
    public async Task Invalid_update_bodies_are_400(string body)
        => await (await Client.PutJsonAsync($"{Base}/guests/test/disks/vda", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task Unknown_disk_or_guest_is_404()
    {
        await (await Client.GetAsync($"{Base}/guests/test/disks/vdz", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        await (await Client.DeleteAsync($"{Base}/guests/test/disks/vdz", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        await (await Client.PutJsonAsync($"{Base}/guests/test/disks/vdz", """{"size": 5000}""")).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        await (await Client.GetAsync($"{Base}/guests/no-such-guest/disks", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
    }
}
