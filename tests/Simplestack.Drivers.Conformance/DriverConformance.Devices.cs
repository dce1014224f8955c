using Simplestack.Core;

namespace Simplestack.Drivers.Conformance;

// A guest's devices and labels: disks, ISO media, NICs and tags.
public abstract partial class DriverConformance
{
    // ---- disks ----

    [Fact]
    public Task Disks_are_listed_with_their_sizes() => WhenSupported<IDiskManagement>(async disks =>
    {
        var guest = await CreateGuestAsync(diskGiB: 3);
        var disk = Assert.Single(await disks.ListDisksAsync(guest.Id, Ct));
        Assert.Equal(0, disk.Number);
        Assert.Equal(3, disk.Size);
        Assert.Equal(3L * 1024 * 1024 * 1024, disk.SizeBytes);
        Assert.Equal(new ProbedDisk(disk.Id, disk.Path, disk.SizeBytes), Assert.Single(Probe.Disks(guest.Name)));
        Assert.Equal(disk, await disks.GetDiskAsync(guest.Id, disk.Id, Ct), DiskComparer.Instance);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => disks.GetDiskAsync(guest.Id, DiskId(25), Ct));
    });

    [Fact]
    public Task A_disk_added_to_a_stopped_guest_is_in_its_definition_and_deleting_it_removes_its_volume() => WhenSupported<IDiskManagement>(async disks =>
    {
        var guest = await CreateGuestAsync();
        var before = Probe.VolumePaths();

        var disk = await disks.CreateDiskAsync(guest.Id, new DiskCreateRequest(2), Ct);
        Assert.Equal(DiskId(1), disk.Id);
        Assert.Equal(2, disk.Size);
        Assert.Contains(Probe.Disks(guest.Name), d => d.Id == DiskId(1) && d.SizeBytes == 2L * 1024 * 1024 * 1024);
        var added = Assert.Single(Probe.VolumePaths().Except(before));
        Assert.Equal(added, disk.Path);

        await disks.DeleteDiskAsync(guest.Id, disk.Id, Ct);
        Assert.DoesNotContain(Probe.Disks(guest.Name), d => d.Id == DiskId(1));
        Assert.Equal(before, Probe.VolumePaths());
    });

    [Fact]
    public Task A_disk_hot_plugged_to_a_running_guest_attaches_live_or_leaves_no_volume() => WhenSupported<IDiskManagement>(async disks =>
    {
        var guest = await CreateGuestAsync(start: true);
        var before = Probe.VolumePaths();
        if (SupportsHotPlug)
        {
            var disk = await disks.CreateDiskAsync(guest.Id, new DiskCreateRequest(1), Ct);
            Assert.Equal(DiskId(1), disk.Id);
            Assert.Contains(Probe.Disks(guest.Name, live: true), d => d.Id == DiskId(1));
            Assert.Contains(Probe.Disks(guest.Name), d => d.Id == DiskId(1));
            Assert.Single(Probe.VolumePaths().Except(before));
        }
        else
        {
            await AssertNotAvailableAsync(() => disks.CreateDiskAsync(guest.Id, new DiskCreateRequest(1), Ct));
            Assert.Equal(before, Probe.VolumePaths());
            Assert.DoesNotContain(Probe.Disks(guest.Name), d => d.Id == DiskId(1));
        }
    });

    private sealed class DiskComparer : IEqualityComparer<Disk>
    {
        public static readonly DiskComparer Instance = new();

        public bool Equals(Disk? x, Disk? y) => x?.Id == y?.Id && x?.SizeBytes == y?.SizeBytes && x?.Path == y?.Path && x?.Name == y?.Name;

        public int GetHashCode(Disk obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }

    // ---- media ----

    [Fact]
    public Task An_iso_volume_mounts_and_ejects() => WhenSupported<IMediaManagement>(async media =>
    {
        var guest = await CreateGuestAsync();
        var iso = UniqueName("installer") + ".iso";
        var isoPath = Probe.CreateVolume(iso, 1024 * 1024);
        RememberVolume(isoPath);

        Assert.Null((await media.GetMediaAsync(guest.Id, Ct)).Name);
        Assert.Equal(iso, (await media.SetMediaAsync(guest.Id, iso, Ct)).Name);
        Assert.Equal(isoPath, Probe.Media(guest.Name)?.Path);
        Assert.Equal(iso, (await media.GetMediaAsync(guest.Id, Ct)).Name);

        Assert.Null((await media.SetMediaAsync(guest.Id, null, Ct)).Name);
        var drive = Probe.Media(guest.Name);
        Assert.NotNull(drive);
        Assert.Null(drive.Path);
    });

    [Fact]
    public Task Media_outside_the_allowed_places_is_refused() => WhenSupported<IMediaManagement>(async media =>
    {
        var guest = await CreateGuestAsync();
        await Assert.ThrowsAsync<InvalidArgumentException>(() => media.SetMediaAsync(guest.Id, "/etc/passwd", Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => media.SetMediaAsync(guest.Id, "no-such.iso", Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => media.SetMediaAsync(guest.Id, "../../etc/passwd", Ct));
        Assert.Null(Probe.Media(guest.Name));
    });

    // ---- network interfaces ----

    [Fact]
    public Task A_nic_is_added_updated_and_removed_on_a_stopped_guest() => WhenSupported<INetworkInterfaceManagement>(async nics =>
    {
        var guest = await CreateGuestAsync();

        var nic = await nics.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest(ExistingNetwork, Mac: "52:54:00:AA:BB:01"), Ct);
        Assert.Equal("52:54:00:aa:bb:01", nic.Id);
        Assert.Equal(ExistingNetwork, nic.Network);
        Assert.Equal(new ProbedNic("52:54:00:aa:bb:01", ExistingNetwork, null), Assert.Single(Probe.Nics(guest.Name)));

        if (SupportsNicRateLimit)
        {
            var limited = await nics.UpdateNetworkInterfaceAsync(guest.Id, nic.Id, new NicUpdateRequest(RateLimitBitsPerSecond: 8_192_000), Ct);
            Assert.NotNull(limited.RateLimit);
            Assert.Equal(8_192_000, Assert.Single(Probe.Nics(guest.Name)).RateLimitBitsPerSecond);
            var unlimited = await nics.UpdateNetworkInterfaceAsync(guest.Id, nic.Id, new NicUpdateRequest(RemoveRateLimit: true), Ct);
            Assert.Null(unlimited.RateLimit);
        }
        else
        {
            await AssertNotAvailableAsync(() => nics.UpdateNetworkInterfaceAsync(guest.Id, nic.Id, new NicUpdateRequest(RateLimitBitsPerSecond: 8_192_000), Ct));
            Assert.Null((await nics.GetNetworkInterfaceAsync(guest.Id, nic.Id, Ct)).RateLimit);
        }

        Assert.Null(Assert.Single(Probe.Nics(guest.Name)).RateLimitBitsPerSecond);

        Assert.Equal(nic.Id, Assert.Single(await nics.ListNetworkInterfacesAsync(guest.Id, Ct)).Id);
        await nics.DeleteNetworkInterfaceAsync(guest.Id, nic.Id, Ct);
        Assert.Empty(Probe.Nics(guest.Name));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => nics.GetNetworkInterfaceAsync(guest.Id, nic.Id, Ct));
    });

    [Fact]
    public Task A_nic_with_a_bad_mac_or_network_is_refused() => WhenSupported<INetworkInterfaceManagement>(async nics =>
    {
        var guest = await CreateGuestAsync();
        await Assert.ThrowsAsync<InvalidArgumentException>(() => nics.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest(ExistingNetwork, Mac: "zz:zz"), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => nics.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest("no-such-network"), Ct));
        Assert.Empty(await nics.ListNetworkInterfacesAsync(guest.Id, Ct));
        Assert.Empty(Probe.Nics(guest.Name));
    });

    // ---- tags ----

    [Fact]
    public Task Tags_are_added_listed_and_removed_in_the_guest_definition() => WhenSupported<ITagManagement>(async tags =>
    {
        var guest = await CreateGuestAsync();

        Assert.Empty(await tags.ListTagsAsync(guest.Id, Ct));
        Assert.Equal(["web"], await tags.AddTagAsync(guest.Id, "web", Ct));
        Assert.Equal(["web", "db <&>"], await tags.AddTagAsync(guest.Id, "db <&>", Ct));
        Assert.Equal(["web", "db <&>"], await tags.AddTagAsync(guest.Id, "web", Ct));
        Assert.Equal(["web", "db <&>"], Probe.Tags(guest.Name));

        await tags.RemoveTagAsync(guest.Id, "web", Ct);
        Assert.Equal(["db <&>"], await tags.ListTagsAsync(guest.Id, Ct));
        Assert.Equal(["db <&>"], Probe.Tags(guest.Name));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => tags.RemoveTagAsync(guest.Id, "web", Ct));
    });

    [Fact]
    public Task Tags_on_a_running_guest_persist() => WhenSupported<ITagManagement>(async tags =>
    {
        var guest = await CreateGuestAsync(start: true);
        await tags.AddTagAsync(guest.Id, "live", Ct);
        Assert.Equal(["live"], Probe.Tags(guest.Name));
        Assert.Equal(["live"], Probe.Tags(guest.Name, live: true));
    });
}
