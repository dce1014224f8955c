using Simplestack.Core;

namespace Simplestack.Drivers.Conformance;

// What outlives a single guest or spans several: clones, volumes, images, snapshots, networks.
public abstract partial class DriverConformance
{
    // ---- clone ----

    [Fact]
    public Task A_clone_copies_every_disk_with_a_new_uuid_and_new_macs() => WhenSupported<IGuestCloning>(async cloning =>
    {
        // Two disks where the driver makes disks; otherwise the ones its image provisions.
        var request = NewGuest(Unique("src")) with { NetworkInterfaces = [new NicSpec(ExistingNetwork)] };
        var source = await Connection.Require<IGuestManagement>().CreateGuestAsync(
            GuestsHaveDisks ? request with { Disks = [new DiskSpec(1), new DiskSpec(2)] } : request, Ct);
        await Connection.Require<ITagManagement>().AddTagAsync(source.Id, "gold", Ct);
        var sourceDisks = Probe.Disks(source.Name);
        Assert.True(GuestsHaveDisks ? sourceDisks.Count == 2 : sourceDisks.Count > 0, $"the source has {sourceDisks.Count} disk(s)");
        var before = Probe.VolumePaths();

        var clone = await cloning.CloneGuestAsync(source.Id, Unique("copy"), Ct);

        Assert.NotEqual(source.Id, clone.Id);
        Assert.Equal(source.Hdd, clone.Hdd);
        Assert.True(Probe.GuestExists(clone.Name));
        Assert.Equal(sourceDisks.Count, Probe.VolumePaths().Except(before).Count());
        var cloneDisks = Probe.Disks(clone.Name);
        Assert.Equal(sourceDisks.Select(d => d.SizeBytes), cloneDisks.Select(d => d.SizeBytes));
        if (Connection is IDiskManagement disks)
        {
            Assert.Equal(sourceDisks.Select(d => d.SizeBytes), (await disks.ListDisksAsync(clone.Id, Ct)).Select(d => d.SizeBytes));
        }

        Assert.Empty(sourceDisks.Select(d => d.Path).Intersect(cloneDisks.Select(d => d.Path)));
        var sourceMac = Assert.Single(Probe.Nics(source.Name)).Mac;
        var cloneMac = Assert.Single(await Connection.Require<INetworkInterfaceManagement>().ListNetworkInterfacesAsync(clone.Id, Ct)).Mac;
        Assert.NotEqual(sourceMac, cloneMac);
        Assert.Equal(cloneMac, Assert.Single(Probe.Nics(clone.Name)).Mac);
        Assert.Equal(["gold"], await Connection.Require<ITagManagement>().ListTagsAsync(clone.Id, Ct));
        Assert.Equal(["gold"], Probe.Tags(clone.Name));

        // Deleting the clone removes its copies and leaves the source's volumes alone.
        await Connection.Require<IGuestManagement>().DeleteGuestAsync(clone.Id, new GuestDeleteOptions(), Ct);
        Assert.Equal(before, Probe.VolumePaths());
        Assert.Equal(sourceDisks, Probe.Disks(source.Name));
    });

    [Fact]
    public Task Cloning_a_running_guest_or_to_a_taken_name_conflicts_and_copies_nothing() => WhenSupported<IGuestCloning>(async cloning =>
    {
        var running = await CreateGuestAsync(start: true);
        var stopped = await CreateGuestAsync();
        var before = Probe.VolumePaths();

        await Assert.ThrowsAsync<ConflictException>(() => cloning.CloneGuestAsync(running.Id, Unique("c"), Ct));
        await Assert.ThrowsAsync<ConflictException>(() => cloning.CloneGuestAsync(stopped.Id, running.Name, Ct));
        Assert.Equal(before, Probe.VolumePaths());
    });

    // ---- volumes and images (API.md §6) ----

    [Fact]
    public Task Volumes_are_created_listed_found_and_deleted() => WhenSupported<IVolumeManagement>(async volumes =>
    {
        var name = UniqueName("vol") + ".qcow2";
        var created = await volumes.CreateVolumeAsync(ExistingPool, new VolumeCreateRequest(name, 2), Ct);
        RememberVolume(created.Path);

        // The id is the hypervisor's (libvirt: the name, xen: the VDI's uuid); the name is accepted too.
        Assert.Equal(name, created.Name);
        Assert.Equal(2, created.Size);
        Assert.Contains(created.Path, Probe.VolumePaths());
        Assert.Contains(await volumes.ListVolumesAsync(ExistingPool, Ct), v => v.Id == created.Id && v.Name == name);
        Assert.Equal(created.Path, (await volumes.GetVolumeAsync(ExistingPool, name, Ct)).Path);
        Assert.Equal(created.Path, (await volumes.GetVolumeAsync(ExistingPool, created.Id, Ct)).Path);
        await Assert.ThrowsAsync<ConflictException>(() => volumes.CreateVolumeAsync(ExistingPool, new VolumeCreateRequest(name, 1), Ct));

        await volumes.DeleteVolumeAsync(ExistingPool, created.Id, Ct);
        Assert.DoesNotContain(created.Path, Probe.VolumePaths());
        await Assert.ThrowsAsync<EntityNotFoundException>(() => volumes.GetVolumeAsync(ExistingPool, name, Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => volumes.ListVolumesAsync("no-such-pool", Ct));
    });

    [Fact]
    public Task An_existing_volume_attaches_to_a_guest_is_in_use_and_outlives_the_disk() => WhenSupported<IVolumeManagement>(volumes => WhenSupported<IDiskManagement>(async disks =>
    {
        // Both capabilities are needed: volumes are what is attached, disks what they become (lxc
        // has volumes but no disks). Each one missing is its 501.
        var guest = await CreateGuestAsync();
        var name = UniqueName("att") + ".qcow2";
        var volume = await volumes.CreateVolumeAsync(ExistingPool, new VolumeCreateRequest(name, 1), Ct);
        RememberVolume(volume.Path);

        var disk = await disks.CreateDiskAsync(guest.Id, new DiskCreateRequest(StorageId: ExistingPool, Volume: name), Ct);
        Assert.Equal(volume.Path, disk.Path);
        Assert.Contains(Probe.Disks(guest.Name), d => d.Path == volume.Path);
        Assert.Equal([guest.Name], (await volumes.GetVolumeAsync(ExistingPool, name, Ct)).UsedBy);
        await Assert.ThrowsAsync<ConflictException>(() => volumes.DeleteVolumeAsync(ExistingPool, name, Ct));

        // One writer per volume: a second attach, to this guest or another, conflicts.
        var other = await CreateGuestAsync();
        await Assert.ThrowsAsync<ConflictException>(() => disks.CreateDiskAsync(guest.Id, new DiskCreateRequest(StorageId: ExistingPool, Volume: name), Ct));
        await Assert.ThrowsAsync<ConflictException>(() => disks.CreateDiskAsync(other.Id, new DiskCreateRequest(StorageId: ExistingPool, Volume: name), Ct));
        Assert.Single(await disks.ListDisksAsync(guest.Id, Ct), d => d.Path == volume.Path);
        Assert.DoesNotContain(Probe.Disks(other.Name), d => d.Path == volume.Path);

        await disks.DeleteDiskAsync(guest.Id, disk.Id, Ct);
        Assert.Contains(volume.Path, Probe.VolumePaths());
        await volumes.DeleteVolumeAsync(ExistingPool, name, Ct);
        Assert.DoesNotContain(volume.Path, Probe.VolumePaths());
    }));

    [Fact]
    public Task A_guest_created_from_an_image_starts_from_a_new_disk_of_its_size() => WhenSupported<IImageCatalog>(async catalog =>
    {
        var image = Assert.Single(await catalog.ListImagesAsync(Ct), i => i.Id == ExistingImage);
        Assert.Contains(await Connection.Require<IStorageManagement>().ListStoragesAsync(Ct), p => p.Id == image.StorageId);
        var before = Probe.VolumePaths();
        var guest = await Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(Unique("img")) with { Image = image.Id, Disks = [] }, Ct);

        // How the disk is made from the image (an overlay, a copy, a template's provisioning) is
        // the hypervisor's; that it is the guest's own new volume of the image's size is the API's.
        Assert.Equal(image.SizeBytes, Assert.Single(Probe.Disks(guest.Name)).SizeBytes);
        Assert.NotEmpty(Probe.VolumePaths().Except(before));
        if (Connection is IDiskManagement disks)
        {
            var disk = Assert.Single(await disks.ListDisksAsync(guest.Id, Ct));
            Assert.Equal(image.SizeBytes, disk.SizeBytes);
            Assert.Contains(disk.Path!, Probe.VolumePaths().Except(before));
        }

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(Unique("img")) with { Image = "no-such-image" }, Ct));
    });

    // ---- snapshots ----

    [Fact]
    public Task Snapshots_are_created_listed_reverted_and_deleted() => WhenSupported<ISnapshotManagement>(async snapshots =>
    {
        var guest = await CreateGuestAsync(start: true);

        var first = await snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("before"), Ct);
        Assert.Equal("before", first.Id);
        Assert.True((DateTimeOffset.UtcNow - first.Created).Duration() < TimeSpan.FromMinutes(5));
        var generated = await snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest(), Ct);
        Assert.StartsWith("snapshot-", generated.Name, StringComparison.Ordinal);
        Assert.Equal(["before", generated.Name], Probe.SnapshotNames(guest.Name).Order(StringComparer.Ordinal));
        Assert.Equal(2, (await snapshots.ListSnapshotsAsync(guest.Id, Ct)).Count);
        Assert.Equal("before", (await snapshots.GetSnapshotAsync(guest.Id, "before", Ct)).Name);

        // The snapshot was taken running: reverting a stopped guest to it runs the guest again.
        await Connection.Require<IGuestPower>().SetPowerAsync(guest.Id, PowerAction.ForceStop, null, Ct);
        await snapshots.RevertSnapshotAsync(guest.Id, "before", Ct);
        Assert.Equal(ProbedPower.Running, Probe.Power(guest.Name));

        // The snapshot deleted is the one just reverted to, unless the derived class declares that its hypervisor cannot.
        var (deleted, kept) = DeletesTheSnapshotRevertedTo ? ("before", generated.Name) : (generated.Name, "before");
        await snapshots.DeleteSnapshotAsync(guest.Id, deleted, Ct);
        Assert.Equal([kept], Probe.SnapshotNames(guest.Name));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => snapshots.GetSnapshotAsync(guest.Id, deleted, Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => snapshots.RevertSnapshotAsync(guest.Id, deleted, Ct));
    });

    [Fact]
    public Task A_duplicate_snapshot_name_conflicts() => WhenSupported<ISnapshotManagement>(async snapshots =>
    {
        var guest = await CreateGuestAsync();
        await snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("same"), Ct);
        await Assert.ThrowsAsync<ConflictException>(() => snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("same"), Ct));
        Assert.Equal(["same"], Probe.SnapshotNames(guest.Name));
    });

    // ---- networks ----

    [Fact]
    public Task Networks_are_listed_and_found() => WhenSupported<INetworkManagement>(async networks =>
    {
        var all = await networks.ListNetworksAsync(Ct);
        Assert.Contains(all, n => n.Name == ExistingNetwork);
        var byName = await networks.GetNetworkAsync(ExistingNetwork, Ct);
        Assert.Equal(byName.Name, (await networks.GetNetworkAsync(byName.Uuid, Ct)).Name);
        Assert.NotNull(Probe.Network(ExistingNetwork));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => networks.GetNetworkAsync("no-such-network", Ct));
    });

    [Fact]
    public Task A_vlan_network_on_a_switch_is_persistent_and_deletable() => WhenSupported<INetworkManagement>(async networks =>
    {
        var name = UniqueNetwork("vlan");
        var described = new NetworkCreateRequest(name, "VLAN 10 storage", VlanSwitch, 10, new Dictionary<string, string> { ["owner"] = "ops" });
        if (!NetworksKeepDescriptions)
        {
            await AssertNotAvailableAsync(() => networks.CreateNetworkAsync(described, Ct));
            Assert.Null(Probe.Network(name));
        }

        var created = await networks.CreateNetworkAsync(NetworksKeepDescriptions ? described : described with { Description = null, OtherConfig = null }, Ct);

        Assert.Equal(10, created.Vlan);
        Assert.False(string.IsNullOrEmpty(created.Bridge));
        Assert.Equal(NetworksKeepDescriptions ? "VLAN 10 storage" : "", created.Description);
        Assert.Equal(NetworksKeepDescriptions ? "ops" : null, created.OtherConfig.GetValueOrDefault("owner"));

        // What the API means: the network carries VLAN 10 on from_network's switch, on the bridge it
        // answered. Whether that bridge is the switch's own (libvirt's OVS port groups) or one of
        // its own (xapi's VLAN networks) is the hypervisor's word (see the derived classes).
        Assert.Equal(new ProbedNetwork(Active: true, Persistent: true, Autostart: true, created.Bridge, 10, Switch: VlanSwitch), Probe.Network(name));

        await Assert.ThrowsAsync<ConflictException>(() => networks.CreateNetworkAsync(new NetworkCreateRequest(name, FromNetwork: VlanSwitch, Vlan: 11), Ct));
        await networks.DeleteNetworkAsync(name, Ct);
        Assert.Null(Probe.Network(name));
    });

    [Theory]
    [InlineData(0)]
    [InlineData(4095)]
    public Task Invalid_vlan_networks_are_refused_and_nothing_is_defined(int vlan) => WhenSupported<INetworkManagement>(async networks =>
    {
        var name = UniqueNetwork("bad");
        await Assert.ThrowsAsync<InvalidArgumentException>(() => networks.CreateNetworkAsync(new NetworkCreateRequest(name, FromNetwork: VlanSwitch, Vlan: vlan), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => networks.CreateNetworkAsync(new NetworkCreateRequest(name, Vlan: 10), Ct));
        Assert.Null(Probe.Network(name));
    });
}
