using System.Net;
using Simplestack.Client.Models;

namespace Simplestack.Client.Tests.Sdk;

public class DevicesTests(GatewayFactory factory) : GatewayTestBase(factory)
{
    [Fact]
    public async Task Disks_create_get_list_delete()
    {
        var guest = await CreateGuestAsync();
        Assert.Empty(await Sdk.Disks.ListAsync(guest.Id, Ct));

        var disk = await Sdk.Disks.CreateAsync(guest.Id, new DiskCreateRequest { Size = 1 }, Ct);
        Assert.Equal(1, disk.Size);
        Assert.Equal(1L << 30, disk.SizeBytes);
        Assert.False(string.IsNullOrEmpty(disk.Id));

        var read = await Sdk.Disks.GetAsync(guest.Id, disk.Id, Ct);
        Assert.Equal(disk.Path, read.Path);
        Assert.Equal(disk.Id, Assert.Single(await Sdk.Disks.ListAsync(guest.Id, Ct)).Id);
        Assert.Equal(1, (await Sdk.Guests.GetAsync(guest.Id, Ct)).Hdd);

        // The test hypervisor cannot resize volumes: 501, typed.
        var grow = await Assert.ThrowsAsync<FeatureNotImplementedException>(
            () => Sdk.Disks.UpdateAsync(guest.Id, disk.Id, new DiskUpdateRequest { Size = 2 }, Ct));
        Assert.Equal(HttpStatusCode.NotImplemented, grow.Status);
        Assert.StartsWith("Feature", grow.Error, StringComparison.Ordinal);

        await Sdk.Disks.DeleteAsync(guest.Id, disk.Id, Ct);
        Assert.Empty(await Sdk.Disks.ListAsync(guest.Id, Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Disks.GetAsync(guest.Id, disk.Id, Ct));
    }

    [Fact]
    public async Task Attaching_an_existing_volume_adds_a_disk_whose_deletion_keeps_the_volume()
    {
        var guest = await CreateGuestAsync(); // stopped: the test hypervisor cannot hot-plug
        var volume = await Sdk.Volumes.CreateAsync("default-pool", new VolumeCreateRequest { Name = UniqueName("vol") + ".img", Size = 1 }, Ct);

        // storage_id takes the pool's UUID as well as its name.
        var disk = await Sdk.Disks.AttachVolumeAsync(guest.Id, volume.StorageId!, volume.Name, cancellationToken: Ct);
        Assert.Equal(volume.Path, disk.Path);
        Assert.Equal(1, disk.Size);
        Assert.Equal(volume.Path, Assert.Single(await Sdk.Disks.ListAsync(guest.Id, Ct)).Path);
        Assert.Equal([guest.Name], (await Sdk.Volumes.GetAsync("default-pool", volume.Id, Ct)).UsedBy);

        // A volume in use cannot be deleted.
        await Assert.ThrowsAsync<ConflictException>(() => Sdk.Volumes.DeleteAsync("default-pool", volume.Id, Ct));

        // Detaching keeps it: the gateway only deletes volumes it created for the guest.
        await Sdk.Disks.DeleteAsync(guest.Id, disk.Id, Ct);
        Assert.Empty(await Sdk.Disks.ListAsync(guest.Id, Ct));
        var kept = await Sdk.Volumes.GetAsync("default-pool", volume.Id, Ct);
        Assert.Equal(volume.Path, kept.Path);
        Assert.Empty(kept.UsedBy ?? []);

        // So does deleting the guest it was attached to (by pool name this time).
        await Sdk.Disks.CreateAsync(guest.Id, DiskCreateRequest.ForVolume("default-pool", volume.Name), Ct);
        await Sdk.Guests.DeleteAsync(guest.Id, cancellationToken: Ct);
        Assert.Equal(volume.Path, (await Sdk.Volumes.GetAsync("default-pool", volume.Id, Ct)).Path);
        await Sdk.Volumes.DeleteAsync("default-pool", volume.Id, Ct);
    }

    [Fact]
    public async Task Attaching_refuses_unknown_volumes_running_guests_and_bodies_without_size_or_volume()
    {
        var volume = await Sdk.Volumes.CreateAsync("default-pool", new VolumeCreateRequest { Name = UniqueName("vol") + ".img", Size = 1 }, Ct);
        var guest = await CreateGuestAsync();
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Disks.AttachVolumeAsync(guest.Id, "default-pool", "no-such-volume.img", cancellationToken: Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Disks.AttachVolumeAsync(guest.Id, "no-such-pool", volume.Name, cancellationToken: Ct));

        // The test hypervisor has no hot-plug: a running guest answers 501.
        var running = await CreateGuestAsync(start: true);
        await Assert.ThrowsAsync<FeatureNotImplementedException>(() => Sdk.Disks.AttachVolumeAsync(running.Id, "default-pool", volume.Name, cancellationToken: Ct));
        Assert.Empty(await Sdk.Disks.ListAsync(running.Id, Ct));

        // Refused before any request.
        await Assert.ThrowsAsync<ArgumentException>(() => Sdk.Disks.CreateAsync(guest.Id, new DiskCreateRequest(), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Sdk.Disks.CreateAsync(guest.Id, new DiskCreateRequest { Volume = volume.Name }, Ct));
        Assert.Empty(await Sdk.Disks.ListAsync(guest.Id, Ct));
        await Sdk.Volumes.DeleteAsync("default-pool", volume.Id, Ct);
    }

    [Fact]
    public void An_attach_body_names_the_volume_and_its_pool_and_no_size()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(DiskCreateRequest.ForVolume("default-pool", "data.img"), SimplestackJson.Options);
        Assert.Equal("""{"storage_id":"default-pool","volume":"data.img"}""", json);
        Assert.Equal("""{"size":2}""", System.Text.Json.JsonSerializer.Serialize(new DiskCreateRequest { Size = 2 }, SimplestackJson.Options));
    }

    [Fact]
    public async Task Network_interfaces_create_update_rate_limit_delete()
    {
        var guest = await CreateGuestAsync();
        var nic = await Sdk.NetworkInterfaces.CreateAsync(guest.Id, new NicCreateRequest { Network = "default" }, Ct);
        Assert.Equal(nic.Mac, nic.Id);
        Assert.Equal("default", nic.Network);

        var limited = await Sdk.NetworkInterfaces.UpdateAsync(guest.Id, nic.Id, new NicUpdateRequest { RateLimitBitsPerSecond = 8_000_000 }, Ct);
        // The hypervisor keeps its own rounding of 8 Mbit/s; it reads back as kbps.
        Assert.False(string.IsNullOrEmpty(limited.RateLimit?.Kbps));
        Assert.Equal(limited.RateLimit!.Kbps, (await Sdk.NetworkInterfaces.GetAsync(guest.Id, nic.Id, Ct)).RateLimit?.Kbps);

        await Sdk.NetworkInterfaces.UpdateAsync(guest.Id, nic.Id, new NicUpdateRequest { RemoveRateLimit = true }, Ct);
        Assert.Null((await Sdk.NetworkInterfaces.GetAsync(guest.Id, nic.Id, Ct)).RateLimit);

        Assert.Equal(nic.Id, Assert.Single(await Sdk.NetworkInterfaces.ListAsync(guest.Id, Ct)).Id);
        await Sdk.NetworkInterfaces.DeleteAsync(guest.Id, nic.Id, Ct);
        Assert.Empty(await Sdk.NetworkInterfaces.ListAsync(guest.Id, Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.NetworkInterfaces.GetAsync(guest.Id, nic.Id, Ct));
    }

    [Fact]
    public async Task Media_reads_empty_ejects_and_refuses_an_unknown_iso()
    {
        Assert.Null((await Sdk.Media.GetAsync("test", Ct)).Name);
        Assert.Null((await Sdk.Media.EjectAsync("test", Ct)).Name);
        var refused = await Assert.ThrowsAsync<InvalidArgumentsException>(() => Sdk.Media.MountAsync("test", "no-such.iso", Ct));
        Assert.Equal("InvalidArguments", refused.Error);
        Assert.Null((await Sdk.Media.GetAsync("test", Ct)).Name);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Media.GetAsync("no-such-guest", Ct));
    }

    [Fact]
    public async Task Tags_add_list_remove()
    {
        var guest = await CreateGuestAsync();
        Assert.Empty(await Sdk.Tags.ListAsync(guest.Id, Ct));
        Assert.Equal(["web"], await Sdk.Tags.AddAsync(guest.Id, "web", Ct));
        var both = await Sdk.Tags.AddAsync(guest.Id, "prod", Ct);
        Assert.Equal(["prod", "web"], both.Order(StringComparer.Ordinal));
        Assert.Equal(2, (await Sdk.Tags.ListAsync(guest.Id, Ct)).Count);

        await Sdk.Tags.RemoveAsync(guest.Id, "web", Ct);
        Assert.Equal(["prod"], await Sdk.Tags.ListAsync(guest.Id, Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Tags.RemoveAsync(guest.Id, "web", Ct));
    }

    [Fact]
    public async Task Snapshots_create_get_list_revert_delete()
    {
        var guest = await CreateGuestAsync();
        var named = await Sdk.Snapshots.CreateAsync(guest.Id, "before", Ct);
        Assert.Equal("before", named.Id);
        Assert.NotNull(named.Created);

        var generated = await Sdk.Snapshots.CreateAsync(guest.Id, cancellationToken: Ct);
        Assert.False(string.IsNullOrEmpty(generated.Id));

        Assert.Equal("before", (await Sdk.Snapshots.GetAsync(guest.Id, "before", Ct)).Name);
        Assert.Equal(2, (await Sdk.Snapshots.ListAsync(guest.Id, Ct)).Count);
        await Assert.ThrowsAsync<ConflictException>(() => Sdk.Snapshots.CreateAsync(guest.Id, "before", Ct));

        Assert.Equal("revert", (await Sdk.Snapshots.RevertAsync(guest.Id, "before", Ct)).Action);

        await Sdk.Snapshots.DeleteAsync(guest.Id, "before", Ct);
        await Sdk.Snapshots.DeleteAsync(guest.Id, generated.Id, Ct);
        Assert.Empty(await Sdk.Snapshots.ListAsync(guest.Id, Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Snapshots.GetAsync(guest.Id, "before", Ct));
    }
}
