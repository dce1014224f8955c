extern alias XenSimulator;

using Simplestack.Core;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>What the xen driver does with volumes (VDIs) beyond the shared suite.</summary>
public sealed class XenVolumeTests : SimulatedXenTest
{
    private const string Local = "Local storage";

    [Fact]
    public async Task A_volume_attached_to_a_guest_outlives_the_guest_while_the_guests_own_disk_goes()
    {
        var guest = await Xen.CreateGuestAsync(new GuestCreateRequest("vol-owner", 512, Image: "Other install media", Disks: [new DiskSpec(1)]), Ct);
        var own = Assert.Single(await Xen.ListDisksAsync(guest.Id, Ct));
        var volume = await Xen.CreateVolumeAsync(Local, new VolumeCreateRequest("data-1", 2), Ct);
        var disk = await Xen.CreateDiskAsync(guest.Id, new DiskCreateRequest(StorageId: Local, Volume: volume.Id), Ct);
        Assert.Equal(volume.Path, disk.Path);
        Assert.Equal(["vol-owner"], (await Xen.GetVolumeAsync(Local, "data-1", Ct)).UsedBy);

        await Xen.DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);

        Assert.Contains(volume.Id, Simulator.Uuids("VDI"));
        Assert.DoesNotContain(own.Path, Simulator.Uuids("VDI"));
        Assert.Empty((await Xen.GetVolumeAsync(Local, volume.Id, Ct)).UsedBy);
        await Xen.DeleteVolumeAsync(Local, volume.Id, Ct);
        Assert.DoesNotContain(volume.Id, Simulator.Uuids("VDI"));
    }

    [Fact]
    public async Task Volumes_list_an_srs_vdis_with_their_users_and_refuse_formats_iso_libraries_and_unknown_srs()
    {
        var volumes = await Xen.ListVolumesAsync(Local, Ct);
        Assert.Contains(volumes, v => v.UsedBy.SequenceEqual(["web-01"]));
        Assert.All(volumes, v => Assert.Equal(v.Id, v.Path));

        await Assert.ThrowsAsync<FeatureNotAvailableException>(() => Xen.CreateVolumeAsync(Local, new VolumeCreateRequest("q", 1, "qcow2"), Ct));
        var iso = (await Xen.ListStoragesAsync(Ct)).Single(s => s.Type == "iso");
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Xen.CreateVolumeAsync(iso.Id, new VolumeCreateRequest("q", 1), Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Xen.ListVolumesAsync("no-such-sr", Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Xen.GetVolumeAsync(Local, "no-such-volume", Ct));

        var inUse = volumes.First(v => v.UsedBy.Count > 0);
        await Assert.ThrowsAsync<ConflictException>(() => Xen.DeleteVolumeAsync(Local, inUse.Id, Ct));
        Assert.Contains(inUse.Id, Simulator.Uuids("VDI"));
    }
}
