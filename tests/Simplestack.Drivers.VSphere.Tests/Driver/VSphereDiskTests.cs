using Simplestack.Core;
using Simplestack.Drivers.Conformance;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>The vmware driver's disks and the update's hdd, checked against vcsim's devices and the files it writes.</summary>
public sealed class VSphereDiskTests(VcsimVpxFixture vpx) : VcsimDeviceTest(vpx.Vcsim), IClassFixture<VcsimVpxFixture>
{
    [Fact]
    public async Task Disks_are_named_by_scsi_bus_and_unit_with_their_label_file_and_size()
    {
        var guest = await CreateGuestAsync([1, 2]);

        var disks = await Connection.ListDisksAsync(guest.Id, Ct);

        Assert.Equal(["0:0", "0:1"], disks.Select(d => d.Id));
        Assert.Equal([0, 1], disks.Select(d => d.Number));
        Assert.Equal(["scsi0:0", "scsi0:1"], disks.Select(d => d.Device));
        Assert.All(disks, d =>
        {
            Assert.Equal("scsi", d.Bus);
            Assert.Equal("vmdk", d.Format);
            Assert.Equal("thin", d.ExtraInfo["provisioning"]);
            Assert.False(string.IsNullOrEmpty(d.Name));
            Assert.StartsWith($"[LocalDS_0] {guest.Name}/", d.Path, StringComparison.Ordinal);
            Assert.True(File.Exists(Probe.LocalPath(d.Path!)), d.Path);
        });
        Assert.Equal([GiB(1), GiB(2)], disks.Select(d => d.SizeBytes));
        Assert.Equal(Probe.Disks(guest.Name), disks.Select(d => new ProbedDisk(d.Id, d.Path, d.SizeBytes)));
        Assert.Equal("0:1", (await Connection.GetDiskAsync(guest.Id, "scsi0:1", Ct)).Id);
        Assert.Equal("0:1", (await Connection.GetDiskAsync(guest.Id, disks[1].Name, Ct)).Id);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.GetDiskAsync(guest.Id, "1:0", Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.GetDiskAsync(guest.Id, "ide0:0", Ct));
    }

    [Fact]
    public async Task A_disk_grows_and_never_shrinks()
    {
        var guest = await CreateGuestAsync([1]);

        var grown = await Connection.UpdateDiskAsync(guest.Id, "0:0", new DiskUpdateRequest(Size: 3), Ct);

        Assert.Equal(GiB(3), grown.SizeBytes);
        Assert.Equal(GiB(3), Assert.Single(Probe.Disks(guest.Name)).SizeBytes);
        await Assert.ThrowsAsync<ConflictException>(() => Connection.UpdateDiskAsync(guest.Id, "0:0", new DiskUpdateRequest(Size: 2), Ct));
        await Assert.ThrowsAsync<FeatureNotAvailableException>(() => Connection.UpdateDiskAsync(guest.Id, "0:0", new DiskUpdateRequest(Name: "data"), Ct));
        Assert.Equal(GiB(3), Assert.Single(Probe.Disks(guest.Name)).SizeBytes);
    }

    [Fact]
    public async Task Deleting_a_disk_removes_its_vmdk_from_the_datastore_folder()
    {
        var guest = await CreateGuestAsync([1]);
        var added = await Connection.CreateDiskAsync(guest.Id, new DiskCreateRequest(1), Ct);
        var file = Probe.LocalPath(added.Path!);
        Assert.True(File.Exists(file));

        await Connection.DeleteDiskAsync(guest.Id, added.Id, Ct);

        Assert.False(File.Exists(file));
        Assert.False(File.Exists(file[..^5] + "-flat.vmdk"));
        Assert.Equal(["0:0"], Probe.Disks(guest.Name).Select(d => d.Id));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.DeleteDiskAsync(guest.Id, added.Id, Ct));
    }

    [Fact]
    public async Task A_disk_is_hot_added_to_a_running_guest()
    {
        var guest = await CreateGuestAsync([1], start: true);

        var disk = await Connection.CreateDiskAsync(guest.Id, new DiskCreateRequest(2), Ct);

        Assert.Equal("0:1", disk.Id);
        Assert.Equal("poweredOn", Probe.NativeState(guest.Name));
        Assert.Contains(new ProbedDisk("0:1", disk.Path, GiB(2)), Probe.Disks(guest.Name));
    }

    [Fact]
    public async Task A_guest_without_a_scsi_controller_gets_a_paravirtual_one_for_its_first_disk()
    {
        var guest = await CreateGuestAsync([]);
        Assert.DoesNotContain(Probe.Devices(guest.Name), d => VcsimProbe.TypeOf(d) == "ParaVirtualSCSIController");

        var disk = await Connection.CreateDiskAsync(guest.Id, new DiskCreateRequest(1), Ct);

        Assert.Equal("0:0", disk.Id);
        Assert.Single(Probe.Devices(guest.Name), d => VcsimProbe.TypeOf(d) == "ParaVirtualSCSIController");
        Assert.Equal([new ProbedDisk("0:0", disk.Path, GiB(1))], Probe.Disks(guest.Name));
    }

    [Fact]
    public async Task A_disk_on_another_storage_named_by_id_goes_to_that_datastore()
    {
        var guest = await CreateGuestAsync([1]);
        var datastore = Assert.Single(await Connection.ListStoragesAsync(Ct), s => s.Name == "LocalDS_0");

        var disk = await Connection.CreateDiskAsync(guest.Id, new DiskCreateRequest(1, StorageId: datastore.Id), Ct);

        Assert.StartsWith("[LocalDS_0] ", disk.Path, StringComparison.Ordinal);
        Assert.Equal(2, Probe.Disks(guest.Name).Count);
    }

    [Fact]
    public async Task Bad_disk_requests_change_nothing()
    {
        var guest = await CreateGuestAsync([1]);
        var disks = Probe.Disks(guest.Name);
        var volumes = Probe.VolumePaths();

        await Assert.ThrowsAsync<FeatureNotImplementedException>(() => Connection.CreateDiskAsync(guest.Id, new DiskCreateRequest(1, Bus: "ide"), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateDiskAsync(guest.Id, new DiskCreateRequest(1, Bus: "floppy"), Ct));
        await Assert.ThrowsAsync<FeatureNotAvailableException>(() => Connection.CreateDiskAsync(guest.Id, new DiskCreateRequest(1, Name: "data"), Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.CreateDiskAsync(guest.Id, new DiskCreateRequest(1, StorageId: "no-such-datastore"), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.CreateDiskAsync(guest.Id, new DiskCreateRequest(-1), Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.UpdateDiskAsync(guest.Id, "0:9", new DiskUpdateRequest(Size: 5), Ct));

        Assert.Equal(disks, Probe.Disks(guest.Name));
        Assert.Equal(volumes, Probe.VolumePaths());
    }

    [Fact]
    public async Task Hdd_grows_the_last_disk_to_the_wanted_total()
    {
        var guest = await CreateGuestAsync([1, 2]);

        var updated = await Connection.UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Hdd: 5), Ct);

        Assert.Equal(5, updated.Hdd);
        Assert.Equal(Applied.NextBoot, updated.Applied!["hdd"]);
        Assert.Equal([GiB(1), GiB(4)], Probe.Disks(guest.Name).Select(d => d.SizeBytes));
        Assert.Equal(5, (await Connection.UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Hdd: 5), Ct)).Hdd);
    }

    [Fact]
    public async Task Hdd_grows_a_running_guest_live_together_with_its_memory()
    {
        var guest = await CreateGuestAsync([1], start: true);

        var updated = await Connection.UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Memory: 512, Hdd: 2), Ct);

        Assert.Equal(Applied.Live, updated.Applied!["hdd"]);
        Assert.Equal(GiB(2), Assert.Single(Probe.Disks(guest.Name)).SizeBytes);
        Assert.Equal(512, Probe.DefinedMemoryMiB(guest.Name));
    }

    [Fact]
    public async Task Hdd_smaller_than_the_disks_or_on_a_guest_without_disks_conflicts_and_changes_nothing()
    {
        var guest = await CreateGuestAsync([1, 2]);
        var bare = await CreateGuestAsync([]);

        await Assert.ThrowsAsync<ConflictException>(() => Connection.UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Memory: 512, Hdd: 2), Ct));
        await Assert.ThrowsAsync<ConflictException>(() => Connection.UpdateGuestAsync(bare.Id, new GuestUpdateRequest(Hdd: 2), Ct));

        Assert.Equal([GiB(1), GiB(2)], Probe.Disks(guest.Name).Select(d => d.SizeBytes));
        Assert.Equal(256, Probe.DefinedMemoryMiB(guest.Name));
        Assert.Empty(Probe.Disks(bare.Name));
    }
}
