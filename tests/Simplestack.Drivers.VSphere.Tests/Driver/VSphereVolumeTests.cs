using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>The vmware driver's volumes: a datastore's disk files and ISOs, checked against the files vcsim writes.</summary>
public sealed class VSphereVolumeTests(VcsimVpxFixture vpx) : VcsimDeviceTest(vpx.Vcsim), IClassFixture<VcsimVpxFixture>
{
    [Fact]
    public async Task Volumes_are_the_vmdk_descriptors_and_isos_with_the_vms_that_use_them()
    {
        var guest = await CreateGuestAsync([1]);
        var iso = $"ss-{Guid.NewGuid():N}.iso";
        RememberVolume(Probe.CreateVolume(iso, 8192));

        var volumes = await Connection.ListVolumesAsync("LocalDS_0", Ct);

        Assert.Equal(Probe.VolumePaths(), volumes.Select(v => v.Path).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(volumes, v => v.Path.EndsWith("-flat.vmdk", StringComparison.Ordinal));
        var disk = Assert.Single(volumes, v => v.Path == Assert.Single(Probe.Disks(guest.Name)).Path);
        Assert.Equal([guest.Name], disk.UsedBy);
        Assert.Equal("vmdk", disk.Format);
        Assert.Equal(GiB(1), disk.SizeBytes);
        Assert.Equal($"{guest.Name}:{guest.Name}.vmdk", disk.Id);
        Assert.Equal(guest.Name, disk.Name);
        var image = Assert.Single(volumes, v => v.Name == iso);
        Assert.Equal(("iso", iso, 8192L), (image.Format, image.Id, image.SizeBytes));
        Assert.Empty(image.UsedBy);
        Assert.All(volumes, v => Assert.Equal(volumes[0].StorageId, v.StorageId));
    }

    [Fact]
    public async Task A_volume_is_made_as_a_thin_disk_in_the_volume_folder_and_deleted_with_its_files()
    {
        var name = $"ss-{Guid.NewGuid():N}"[..16];

        var created = await Connection.CreateVolumeAsync("LocalDS_0", new VolumeCreateRequest(name, 2), Ct);
        RememberVolume(created.Path);

        Assert.Equal(($"simplestack-volumes:{name}.vmdk", name, $"[LocalDS_0] simplestack-volumes/{name}.vmdk"), (created.Id, created.Name, created.Path));
        Assert.Equal(GiB(2), created.SizeBytes);
        var file = Probe.LocalPath(created.Path);
        Assert.True(File.Exists(file));
        Assert.Equal(created.Path, (await Connection.GetVolumeAsync("LocalDS_0", created.Id, Ct)).Path);
        Assert.Equal(created.Path, (await Connection.GetVolumeAsync("LocalDS_0", created.Path, Ct)).Path);
        await Assert.ThrowsAsync<ConflictException>(() => Connection.CreateVolumeAsync("LocalDS_0", new VolumeCreateRequest(name + ".vmdk", 1), Ct));

        await Connection.DeleteVolumeAsync("LocalDS_0", name, Ct);

        Assert.False(File.Exists(file));
        Assert.False(File.Exists(file[..^5] + "-flat.vmdk"));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.GetVolumeAsync("LocalDS_0", created.Id, Ct));
    }

    [Fact]
    public async Task An_iso_volume_is_deleted_as_a_file_and_not_while_mounted()
    {
        var guest = await CreateGuestAsync([1]);
        var iso = $"ss-{Guid.NewGuid():N}.iso";
        var path = Probe.CreateVolume(iso, 4096);
        RememberVolume(path);
        await Connection.SetMediaAsync(guest.Id, iso, Ct);

        await Assert.ThrowsAsync<ConflictException>(() => Connection.DeleteVolumeAsync("LocalDS_0", iso, Ct));
        Assert.True(File.Exists(Probe.LocalPath(path)));

        await Connection.SetMediaAsync(guest.Id, null, Ct);
        await Connection.DeleteVolumeAsync("LocalDS_0", iso, Ct);
        Assert.False(File.Exists(Probe.LocalPath(path)));
    }

    [Fact]
    public async Task A_disk_in_use_is_not_deleted_and_an_attached_volume_outlives_its_disk()
    {
        var guest = await CreateGuestAsync([1]);
        var own = Assert.Single(Probe.Disks(guest.Name)).Path!;
        await Assert.ThrowsAsync<ConflictException>(() => Connection.DeleteVolumeAsync("LocalDS_0", own, Ct));
        Assert.True(File.Exists(Probe.LocalPath(own)));

        var volume = await Connection.CreateVolumeAsync("LocalDS_0", new VolumeCreateRequest($"ss-{Guid.NewGuid():N}"[..16], 1), Ct);
        RememberVolume(volume.Path);
        var disk = await Connection.CreateDiskAsync(guest.Id, new DiskCreateRequest(StorageId: "LocalDS_0", Volume: volume.Id), Ct);
        Assert.Equal(("0:1", volume.Path), (disk.Id, disk.Path));

        await Connection.DeleteDiskAsync(guest.Id, disk.Id, Ct);
        Assert.True(File.Exists(Probe.LocalPath(volume.Path)));
        Assert.Empty((await Connection.GetVolumeAsync("LocalDS_0", volume.Id, Ct)).UsedBy);
    }

    [Fact]
    public async Task Deleting_a_guest_keeps_the_volume_attached_to_it_and_removes_its_own_disks()
    {
        var guest = await CreateGuestAsync([1]);
        var own = Probe.LocalPath(Assert.Single(Probe.Disks(guest.Name)).Path!);
        var volume = await Connection.CreateVolumeAsync("LocalDS_0", new VolumeCreateRequest($"ss-{Guid.NewGuid():N}"[..16], 1), Ct);
        RememberVolume(volume.Path);
        await Connection.CreateDiskAsync(guest.Id, new DiskCreateRequest(StorageId: "LocalDS_0", Volume: volume.Name), Ct);

        await Connection.DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);

        Assert.False(Probe.GuestExists(guest.Name));
        Assert.False(File.Exists(own));
        Assert.True(File.Exists(Probe.LocalPath(volume.Path)));
        Assert.Empty((await Connection.GetVolumeAsync("LocalDS_0", volume.Id, Ct)).UsedBy);
    }

    [Fact]
    public async Task Bad_volume_requests_change_nothing()
    {
        var before = Probe.VolumePaths();

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateVolumeAsync("LocalDS_0", new VolumeCreateRequest("a/b", 1), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateVolumeAsync("LocalDS_0", new VolumeCreateRequest("..", 1), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateVolumeAsync("LocalDS_0", new VolumeCreateRequest("[LocalDS_0] x", 1), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateVolumeAsync("LocalDS_0", new VolumeCreateRequest("x", 0), Ct));
        await Assert.ThrowsAsync<FeatureNotAvailableException>(() => Connection.CreateVolumeAsync("LocalDS_0", new VolumeCreateRequest("x", 1, "qcow2"), Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.CreateVolumeAsync("no-such-datastore", new VolumeCreateRequest("x", 1), Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.DeleteVolumeAsync("LocalDS_0", "no-such-volume", Ct));

        Assert.Equal(before, Probe.VolumePaths());
    }
}
