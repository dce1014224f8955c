using System.Net;
using Microsoft.AspNetCore.Hosting;
using Simplestack.Core;

namespace Simplestack.Server.Tests.Http;

/// <summary>API.md §6 on the test hypervisor: images, sizes and storage volumes.</summary>
public sealed class CatalogTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [Fact]
    public async Task Images_are_never_empty_out_of_the_box_and_a_guest_starts_from_one()
    {
        var images = await Client.GetAsync<List<Image>>($"{Base}/images");
        var demo = Assert.Single(images, i => i.Id == "demo-image.qcow2");
        Assert.True(demo.SizeBytes > 0);

        var guest = await CreateGuestAsync(extra: """, "image": "demo-image.qcow2" """);
        var disk = Assert.Single(await Client.GetAsync<List<Disk>>($"{Base}/guests/{guest.Id}/disks"));
        Assert.Equal(demo.SizeBytes, disk.SizeBytes);
    }

    [Fact]
    public async Task Sizes_default_to_the_stratuslab_instance_types()
    {
        var sizes = await Client.GetAsync<List<InstanceSize>>($"{Base}/sizes");
        Assert.Equal(["t1.micro", "m1.small", "m1.medium", "m1.large", "m1.xlarge", "c1.medium", "c1.xlarge"], sizes.Select(s => s.Id));
        Assert.Equal(new InstanceSize("m1.large", "m1.large", 2, 6144, 40), sizes.Single(s => s.Id == "m1.large"));
        Assert.Equal([5, 10, 20, 40, 80, 10, 40], sizes.Select(s => s.Disk));
    }

    [Fact]
    public async Task A_guest_made_from_a_size_and_an_image_has_a_boot_disk_of_the_sizes_gib_on_the_image()
    {
        // What the SDK, the CLI and the Libcloud driver send for a size with a disk and an image.
        var small = (await Client.GetAsync<List<InstanceSize>>($"{Base}/sizes")).Single(s => s.Id == "m1.small");
        var demo = (await Client.GetAsync<List<Image>>($"{Base}/images")).Single(i => i.Id == "demo-image.qcow2");
        var guest = await CreateGuestAsync(extra: $$""", "image": "{{demo.Id}}", "disks": [{"size": {{small.Disk}}}] """);

        var disk = Assert.Single(await Client.GetAsync<List<Disk>>($"{Base}/guests/{guest.Id}/disks"));
        Assert.Equal(10L << 30, disk.SizeBytes);
        Assert.Equal(10, (await Client.GetAsync<Guest>($"{Base}/guests/{guest.Id}")).Hdd);
        // libvirt's own word: a qcow2 overlay of 10 GiB on the image, not the image's 64 MiB.
        using var volume = (await LibvirtAsync()).TryLookupStorageVolumeByPath(disk.Path!)!;
        Assert.Equal(10UL << 30, volume.GetInfo().Capacity);
        var description = Simplestack.Drivers.Libvirt.Xml.VolumeDescription.Parse(volume.GetXmlDesc());
        Assert.Equal("qcow2", description.Format);
        Assert.Equal(demo.Path, description.BackingPath);
    }

    [Fact]
    public async Task Volumes_are_created_read_refused_when_in_use_and_deleted()
    {
        var name = UniqueName("vol") + ".qcow2";
        var created = await Client.PostJsonAsync($"{Base}/storages/default-pool/volumes", $$"""{"name": "{{name}}", "size": 1}""");
        await created.ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal($"{Base}/storages/default-pool/volumes/{name}", created.Headers.Location!.OriginalString);
        var volume = await created.ReadAsync<Volume>();
        Assert.Equal(1L << 30, volume.SizeBytes);

        Assert.Contains(await Client.GetAsync<List<Volume>>($"{Base}/storages/default-pool/volumes"), v => v.Id == name);
        await (await Client.PostJsonAsync($"{Base}/storages/default-pool/volumes", $$"""{"name": "{{name}}", "size": 1}""")).ShouldBeAsync(HttpStatusCode.Conflict);

        var guest = await CreateGuestAsync();
        await (await Client.PostJsonAsync($"{Base}/guests/{guest.Id}/disks", $$"""{"volume": "{{name}}", "storage_id": "default-pool"}""")).ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal([guest.Name], (await Client.GetAsync<Volume>($"{Base}/storages/default-pool/volumes/{name}")).UsedBy);
        await (await Client.DeleteAsync($"{Base}/storages/default-pool/volumes/{name}", Ct)).ShouldBeAsync(HttpStatusCode.Conflict);

        var disk = Assert.Single(await Client.GetAsync<List<Disk>>($"{Base}/guests/{guest.Id}/disks"));
        await (await Client.DeleteAsync($"{Base}/guests/{guest.Id}/disks/{disk.Id}", Ct)).ShouldBeAsync(HttpStatusCode.NoContent);
        await (await Client.DeleteAsync($"{Base}/storages/default-pool/volumes/{name}", Ct)).ShouldBeAsync(HttpStatusCode.NoContent);
        await (await Client.GetAsync($"{Base}/storages/default-pool/volumes/{name}", Ct)).ShouldBeAsync(HttpStatusCode.NotFound);

        var libvirt = await LibvirtAsync();
        using var pool = libvirt.TryLookupStoragePoolByName("default-pool")!;
        using var gone = pool.TryLookupVolumeByName(name);
        Assert.Null(gone);
    }

    [Theory]
    [InlineData("""{"size": 1}""")]
    [InlineData("""{"name": "x.img", "size": -1}""")]
    [InlineData("""{"name": "x.img", "size": 1, "format": "vmdk"}""")]
    [InlineData("""{"name": "../x", "size": 1}""")]
    [InlineData("""{"name": "x.img", "size": "big"}""")]
    public async Task Invalid_volume_bodies_answer_400_and_create_nothing(string body)
    {
        var libvirt = await LibvirtAsync();
        using var pool = libvirt.TryLookupStoragePoolByName("default-pool")!;
        var before = pool.ListAllVolumes().Select(v => { using (v) { return v.Name; } }).ToList();

        await (await Client.PostJsonAsync($"{Base}/storages/default-pool/volumes", body)).ShouldBeAsync(HttpStatusCode.BadRequest);

        Assert.Equal(before, pool.ListAllVolumes().Select(v => { using (v) { return v.Name; } }).ToList());
    }

    [Fact]
    public async Task Volumes_of_an_unknown_storage_are_404()
        => await (await Client.GetAsync($"{Base}/storages/no-such-pool/volumes", Ct)).ShouldBeAsync(HttpStatusCode.NotFound);
}

public sealed class ConfiguredSizesFactory : GatewayFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Simplestack:Sizes:0:Id", "m1.small");
        builder.UseSetting("Simplestack:Sizes:0:Cpus", "2");
        builder.UseSetting("Simplestack:Sizes:0:Memory", "2048");
        builder.UseSetting("Simplestack:Sizes:1:Id", "gpu.huge");
        builder.UseSetting("Simplestack:Sizes:1:Cpus", "16");
        builder.UseSetting("Simplestack:Sizes:1:Memory", "65536");
        builder.UseSetting("Simplestack:Sizes:1:Disk", "100");
    }
}

public sealed class ConfiguredSizesTests(ConfiguredSizesFactory factory) : IClassFixture<ConfiguredSizesFactory>
{
    [Fact]
    public async Task Configuration_replaces_sizes_by_id_and_adds_new_ones()
    {
        using var client = factory.CreateClient();
        var sizes = await client.GetAsync<List<InstanceSize>>("/test/default/sizes");
        Assert.Equal(new InstanceSize("m1.small", "m1.small", 2, 2048), sizes.Single(s => s.Id == "m1.small"));
        Assert.Equal(new InstanceSize("gpu.huge", "gpu.huge", 16, 65536, 100), sizes[^1]);
        Assert.Equal(8, sizes.Count);
    }
}
