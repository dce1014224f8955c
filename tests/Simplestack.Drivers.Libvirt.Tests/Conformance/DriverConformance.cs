using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Tests.Conformance;

/// <summary>
/// The driver conformance suite, as the original Simplestack's HypervisorBaseTest: one abstract
/// class derived once per driver. Every test opens its own connection, acts through the driver,
/// and checks the hypervisor's resulting state through an <see cref="IHypervisorProbe"/>.
/// Operations a driver's hypervisor cannot do (the test driver's device hot-plug) are asserted to
/// fail with a 501 kind and to leave nothing behind.
/// </summary>
public abstract class DriverConformance : IAsyncLifetime
{
    private IHypervisorConnection? _connection;

    protected IHypervisorConnection Connection => _connection ?? throw new InvalidOperationException("not initialised");

    protected IHypervisorProbe Probe { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Whether the hypervisor can change devices of a running guest.</summary>
    protected abstract bool SupportsHotPlug { get; }

    protected abstract Task<IHypervisorConnection> ConnectAsync();

    protected abstract IHypervisorProbe CreateProbe(IHypervisorConnection connection);

    /// <summary>A create body that works on this driver, with one disk of <paramref name="diskGiB"/>.</summary>
    protected abstract GuestCreateRequest NewGuest(string name, bool start = false, double diskGiB = 1);

    /// <summary>A network guests of this hypervisor can use.</summary>
    protected abstract string ExistingNetwork { get; }

    /// <summary>A storage pool new volumes can go to.</summary>
    protected abstract string ExistingPool { get; }

    /// <summary>An image the driver lists and guests can be created from.</summary>
    protected abstract string ExistingImage { get; }

    /// <summary>A create body for a guest with an operating system that answers ACPI (real hypervisors boot one).</summary>
    protected virtual GuestCreateRequest BootableGuest(string name) => NewGuest(name);

    /// <summary>Waits until a started bootable guest's OS is up (a real hypervisor's guest needs seconds).</summary>
    protected virtual Task WaitUntilGuestOsReadyAsync(Guest guest) => Task.CompletedTask;

    public async ValueTask InitializeAsync()
    {
        _connection = await ConnectAsync();
        Probe = CreateProbe(_connection);
    }

    /// <summary>Deletes the guests this test made (named by <see cref="Unique"/>), then closes the connection.</summary>
    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_connection is null)
        {
            return;
        }

        try
        {
            var management = _connection.Require<IGuestManagement>();
            foreach (var name in _made)
            {
                try
                {
                    await management.DeleteGuestAsync(name, new GuestDeleteOptions(), CancellationToken.None);
                }
                catch (EntityNotFoundException)
                {
                    // Never created, or already deleted by the test.
                }
            }
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }

    private readonly HashSet<string> _made = [];

    /// <summary>A fresh name; guests with it are deleted when the test ends (real hypervisors keep state).</summary>
    protected string Unique(string prefix)
    {
        var name = $"ss-{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 12)];
        _made.Add(name);
        return name;
    }

    protected async Task<Guest> CreateGuestAsync(string? name = null, bool start = false, double diskGiB = 1)
        => await Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(name ?? Unique("g"), start, diskGiB), Ct);

    // ---- pool, hosts, storages ----

    [Fact]
    public async Task Pool_info_reports_memory_and_software()
    {
        var pool = await Connection.GetPoolInfoAsync(Ct);
        Assert.True(pool.TotalMemory > 0);
        Assert.InRange(pool.UsedMemory, 0, pool.TotalMemory);
        Assert.False(string.IsNullOrEmpty(pool.SoftwareInfo.Version));
        Assert.False(string.IsNullOrEmpty(pool.Master));
    }

    [Fact]
    public async Task Hosts_list_has_the_host_and_get_finds_it()
    {
        var hosts = await Connection.ListHostsAsync(Ct);
        var host = Assert.Single(hosts);
        Assert.True(host.Cpus > 0);
        Assert.Equal(host, await Connection.GetHostAsync(host.Id, Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.GetHostAsync("no-such-host", Ct));
    }

    [Fact]
    public async Task Storages_are_listed_and_found_by_id_and_name()
    {
        var storage = Connection.Require<IStorageManagement>();
        var pools = await storage.ListStoragesAsync(Ct);
        Assert.NotEmpty(pools);
        var first = pools[0];
        Assert.Equal(first.Name, (await storage.GetStorageAsync(first.Id, Ct)).Name);
        Assert.Equal(first.Id, (await storage.GetStorageAsync(first.Name, Ct)).Id);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => storage.GetStorageAsync("no-such-pool", Ct));
    }

    // ---- guests ----

    [Fact]
    public async Task A_created_guest_is_defined_stopped_and_listed()
    {
        var before = Probe.VolumePaths();
        var guest = await CreateGuestAsync(diskGiB: 2);

        Assert.True(Probe.GuestExists(guest.Name));
        Assert.Equal("shutoff", Probe.GuestNativeState(guest.Name));
        Assert.Equal(GuestState.STOPPED, guest.State);
        Assert.Equal(2, guest.Hdd);
        Assert.Single(Probe.VolumePaths().Except(before));
        Assert.Contains(await Connection.ListGuestsAsync(Ct), g => g.Id == guest.Id && g.Name == guest.Name);
        Assert.Equal(guest.Id, (await Connection.GetGuestAsync(guest.Name, Ct)).Id);
        Assert.Equal(guest.Name, (await Connection.GetGuestAsync(guest.Id, Ct)).Name);
    }

    [Fact]
    public async Task A_guest_created_with_start_runs()
    {
        var guest = await CreateGuestAsync(start: true);
        Assert.Equal("running", Probe.GuestNativeState(guest.Name));
        Assert.Equal(GuestState.STARTED, guest.State);
    }

    [Fact]
    public async Task An_unknown_guest_is_not_found()
    {
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.GetGuestAsync("no-such-guest", Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.GetGuestAsync(Guid.NewGuid().ToString(), Ct));
    }

    [Fact]
    public async Task A_taken_name_conflicts_and_creates_nothing()
    {
        var guest = await CreateGuestAsync();
        var volumes = Probe.VolumePaths();
        await Assert.ThrowsAsync<ConflictException>(() => CreateGuestAsync(guest.Name));
        Assert.Equal(volumes, Probe.VolumePaths());
    }

    [Fact]
    public async Task A_create_that_fails_half_way_leaves_no_guest_and_no_volume()
    {
        var name = Unique("half");
        var volumes = Probe.VolumePaths();
        var request = NewGuest(name) with
        {
            Disks = [new DiskSpec(1), new DiskSpec(1)],
            NetworkInterfaces = [new NicSpec(ExistingNetwork), new NicSpec("no-such-network")],
        };

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.Require<IGuestManagement>().CreateGuestAsync(request, Ct));

        Assert.False(Probe.GuestExists(name));
        Assert.Equal(volumes, Probe.VolumePaths());
    }

    [Fact]
    public async Task A_create_whose_second_disk_names_an_unknown_pool_leaves_nothing()
    {
        var name = Unique("pool");
        var volumes = Probe.VolumePaths();
        var request = NewGuest(name) with { Disks = [new DiskSpec(1), new DiskSpec(1, StorageId: "no-such-pool")] };

        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.Require<IGuestManagement>().CreateGuestAsync(request, Ct));

        Assert.False(Probe.GuestExists(name));
        Assert.Equal(volumes, Probe.VolumePaths());
    }

    [Fact]
    public async Task A_disk_volume_name_already_taken_conflicts_and_leaves_nothing()
    {
        var first = await Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(Unique("vol")) with { Disks = [new DiskSpec(1, Name: Unique("v") + ".qcow2")] }, Ct);
        var volumeName = (await Connection.Require<IDiskManagement>().ListDisksAsync(first.Id, Ct)).Single().Name;
        var name = Unique("vol2");
        var volumes = Probe.VolumePaths();

        await Assert.ThrowsAsync<ConflictException>(() => Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(name) with { Disks = [new DiskSpec(1, Name: volumeName)] }, Ct));

        Assert.False(Probe.GuestExists(name));
        Assert.Equal(volumes, Probe.VolumePaths());
    }

    [Theory]
    [InlineData("quote'\"name")]
    [InlineData("x<name>y<memory>1<memory>")]
    [InlineData("amp&lt;]]>")]
    [InlineData("gäst-名前")]
    public async Task Names_with_xml_metacharacters_stay_one_name(string name)
    {
        _made.Add(name);
        var guest = await Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(name) with { Memory = 256 }, Ct);

        Assert.Equal(name, guest.Name);
        Assert.Equal(256, guest.Memory);
        Assert.True(Probe.GuestExists(name));
        Assert.Contains("<currentMemory unit='KiB'>262144</currentMemory>", Probe.GuestDefinition(name), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("new\nline")]
    [InlineData("slash/name")]
    [InlineData("")]
    [InlineData("nul\0")]
    public async Task Invalid_names_are_rejected_and_create_nothing(string name)
    {
        var volumes = Probe.VolumePaths();
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(name), Ct));
        Assert.Equal(volumes, Probe.VolumePaths());
    }

    [Fact]
    public async Task Updating_a_stopped_guest_applies_at_next_boot()
    {
        var guest = await CreateGuestAsync();
        var updated = await Connection.Require<IGuestManagement>().UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Cpus: 2, Memory: 512), Ct);

        Assert.Equal(2, updated.Cpus);
        Assert.Equal(512, updated.Memory);
        Assert.Equal(Applied.NextBoot, updated.Applied!["cpus"]);
        Assert.Equal(Applied.NextBoot, updated.Applied!["memory"]);
        var definition = Probe.GuestDefinition(guest.Name);
        Assert.Contains("<currentMemory unit='KiB'>524288</currentMemory>", definition, StringComparison.Ordinal);
        Assert.Matches(">2</vcpu>", definition);
    }

    [Fact]
    public async Task Memory_of_a_running_guest_changes_live()
    {
        var guest = await Connection.Require<IGuestManagement>().CreateGuestAsync(BootableGuest(Unique("mem")) with { Start = true }, Ct);
        await WaitUntilGuestOsReadyAsync(guest);
        var updated = await Connection.Require<IGuestManagement>().UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Memory: 96), Ct);

        Assert.Equal(Applied.Live, updated.Applied!["memory"]);
        Assert.Contains("<currentMemory unit='KiB'>98304</currentMemory>", Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);

        // A real guest gives memory back through its balloon driver: allow it a moment.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await Connection.GetGuestAsync(guest.Id, Ct)).Memory != 96 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, Ct);
        }

        Assert.Equal(96, (await Connection.GetGuestAsync(guest.Id, Ct)).Memory);
    }

    [Fact]
    public async Task A_stopped_guest_can_be_renamed_and_a_running_one_cannot()
    {
        var guest = await CreateGuestAsync();
        var newName = Unique("renamed");
        await Connection.Require<IGuestManagement>().UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Name: newName), Ct);
        Assert.True(Probe.GuestExists(newName));
        Assert.False(Probe.GuestExists(guest.Name));

        var running = await CreateGuestAsync(start: true);
        await Assert.ThrowsAsync<ConflictException>(() => Connection.Require<IGuestManagement>().UpdateGuestAsync(running.Id, new GuestUpdateRequest(Name: Unique("x")), Ct));
    }

    [Fact]
    public async Task Deleting_a_guest_removes_it_and_the_volumes_made_for_it()
    {
        var before = Probe.VolumePaths();
        var guest = await CreateGuestAsync();
        await Connection.Require<IGuestManagement>().DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);

        Assert.False(Probe.GuestExists(guest.Name));
        Assert.Equal(before, Probe.VolumePaths());
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.GetGuestAsync(guest.Id, Ct));
    }

    [Fact]
    public async Task Deleting_a_running_guest_with_snapshots_removes_it()
    {
        var guest = await CreateGuestAsync(start: true);
        var snapshots = Connection.Require<ISnapshotManagement>();
        await snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("one"), Ct);
        await snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("two"), Ct);

        await Connection.Require<IGuestManagement>().DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);

        Assert.False(Probe.GuestExists(guest.Name));
    }

    [Fact]
    public async Task Deleting_with_keep_disks_keeps_the_volumes()
    {
        var before = Probe.VolumePaths();
        var guest = await CreateGuestAsync();
        var created = Probe.VolumePaths().Except(before).ToList();
        await Connection.Require<IGuestManagement>().DeleteGuestAsync(guest.Id, new GuestDeleteOptions(KeepDisks: true), Ct);

        Assert.False(Probe.GuestExists(guest.Name));
        Assert.NotEmpty(created);
        Assert.All(created, path => Assert.Contains(path, Probe.VolumePaths()));
        foreach (var path in created)
        {
            Probe.DeleteVolume(path);
        }
    }

    // ---- clone ----

    [Fact]
    public async Task A_clone_copies_every_disk_with_a_new_uuid_and_new_macs()
    {
        var name = Unique("src");
        var source = await Connection.Require<IGuestManagement>().CreateGuestAsync(
            NewGuest(name) with { Disks = [new DiskSpec(1), new DiskSpec(2)], NetworkInterfaces = [new NicSpec(ExistingNetwork)] }, Ct);
        await Connection.Require<ITagManagement>().AddTagAsync(source.Id, "gold", Ct);
        var before = Probe.VolumePaths();

        var clone = await Connection.Require<IGuestCloning>().CloneGuestAsync(source.Id, Unique("copy"), Ct);

        Assert.NotEqual(source.Id, clone.Id);
        Assert.Equal(source.Hdd, clone.Hdd);
        Assert.True(Probe.GuestExists(clone.Name));
        Assert.Equal(2, Probe.VolumePaths().Except(before).Count());
        var sourceDisks = await Connection.Require<IDiskManagement>().ListDisksAsync(source.Id, Ct);
        var cloneDisks = await Connection.Require<IDiskManagement>().ListDisksAsync(clone.Id, Ct);
        Assert.Equal(sourceDisks.Select(d => d.SizeBytes), cloneDisks.Select(d => d.SizeBytes));
        Assert.Empty(sourceDisks.Select(d => d.Path).Intersect(cloneDisks.Select(d => d.Path)));
        var sourceMac = Assert.Single(await Connection.Require<INetworkInterfaceManagement>().ListNetworkInterfacesAsync(source.Id, Ct)).Mac;
        var cloneMac = Assert.Single(await Connection.Require<INetworkInterfaceManagement>().ListNetworkInterfacesAsync(clone.Id, Ct)).Mac;
        Assert.NotEqual(sourceMac, cloneMac);
        Assert.Equal(["gold"], await Connection.Require<ITagManagement>().ListTagsAsync(clone.Id, Ct));

        // Deleting the clone removes its copies and leaves the source's volumes alone.
        await Connection.Require<IGuestManagement>().DeleteGuestAsync(clone.Id, new GuestDeleteOptions(), Ct);
        Assert.Equal(before, Probe.VolumePaths());
    }

    [Fact]
    public async Task Cloning_a_running_guest_or_to_a_taken_name_conflicts_and_copies_nothing()
    {
        var running = await CreateGuestAsync(start: true);
        var stopped = await CreateGuestAsync();
        var before = Probe.VolumePaths();
        var cloning = Connection.Require<IGuestCloning>();

        await Assert.ThrowsAsync<ConflictException>(() => cloning.CloneGuestAsync(running.Id, Unique("c"), Ct));
        await Assert.ThrowsAsync<ConflictException>(() => cloning.CloneGuestAsync(stopped.Id, running.Name, Ct));
        Assert.Equal(before, Probe.VolumePaths());
    }

    // ---- volumes and images (API.md §6) ----

    [Fact]
    public async Task Volumes_are_created_listed_found_and_deleted()
    {
        var volumes = Connection.Require<IVolumeManagement>();
        var name = Unique("vol") + ".qcow2";
        var created = await volumes.CreateVolumeAsync(ExistingPool, new VolumeCreateRequest(name, 2), Ct);

        Assert.Equal(name, created.Id);
        Assert.Equal(2, created.Size);
        Assert.Contains(created.Path, Probe.VolumePaths());
        Assert.Contains(await volumes.ListVolumesAsync(ExistingPool, Ct), v => v.Id == name);
        Assert.Equal(created.Path, (await volumes.GetVolumeAsync(ExistingPool, name, Ct)).Path);
        await Assert.ThrowsAsync<ConflictException>(() => volumes.CreateVolumeAsync(ExistingPool, new VolumeCreateRequest(name, 1), Ct));

        await volumes.DeleteVolumeAsync(ExistingPool, name, Ct);
        Assert.DoesNotContain(created.Path, Probe.VolumePaths());
        await Assert.ThrowsAsync<EntityNotFoundException>(() => volumes.GetVolumeAsync(ExistingPool, name, Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => volumes.ListVolumesAsync("no-such-pool", Ct));
    }

    [Fact]
    public async Task An_existing_volume_attaches_to_a_guest_is_in_use_and_outlives_the_disk()
    {
        var guest = await CreateGuestAsync();
        var volumes = Connection.Require<IVolumeManagement>();
        var disks = Connection.Require<IDiskManagement>();
        var name = Unique("att") + ".qcow2";
        var volume = await volumes.CreateVolumeAsync(ExistingPool, new VolumeCreateRequest(name, 1), Ct);

        var disk = await disks.CreateDiskAsync(guest.Id, new DiskCreateRequest(StorageId: ExistingPool, Volume: name), Ct);
        Assert.Equal(volume.Path, disk.Path);
        Assert.Contains(volume.Path, Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);
        Assert.Equal([guest.Name], (await volumes.GetVolumeAsync(ExistingPool, name, Ct)).UsedBy);
        await Assert.ThrowsAsync<ConflictException>(() => volumes.DeleteVolumeAsync(ExistingPool, name, Ct));

        // One writer per volume: a second attach, to this guest or another, conflicts.
        var other = await CreateGuestAsync();
        await Assert.ThrowsAsync<ConflictException>(() => disks.CreateDiskAsync(guest.Id, new DiskCreateRequest(StorageId: ExistingPool, Volume: name), Ct));
        await Assert.ThrowsAsync<ConflictException>(() => disks.CreateDiskAsync(other.Id, new DiskCreateRequest(StorageId: ExistingPool, Volume: name), Ct));
        Assert.Single(await disks.ListDisksAsync(guest.Id, Ct), d => d.Path == volume.Path);
        Assert.DoesNotContain(await disks.ListDisksAsync(other.Id, Ct), d => d.Path == volume.Path);

        await disks.DeleteDiskAsync(guest.Id, disk.Id, Ct);
        Assert.Contains(volume.Path, Probe.VolumePaths());
        await volumes.DeleteVolumeAsync(ExistingPool, name, Ct);
        Assert.DoesNotContain(volume.Path, Probe.VolumePaths());
    }

    [Fact]
    public async Task A_guest_created_from_an_image_boots_from_an_overlay_on_it()
    {
        var image = Assert.Single(await Connection.Require<IImageCatalog>().ListImagesAsync(Ct), i => i.Id == ExistingImage);
        var before = Probe.VolumePaths();
        var guest = await Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(Unique("img")) with { Image = image.Id, Disks = [] }, Ct);

        var disk = Assert.Single(await Connection.Require<IDiskManagement>().ListDisksAsync(guest.Id, Ct));
        Assert.Equal("qcow2", disk.Format);
        Assert.Equal(image.SizeBytes, disk.SizeBytes);
        Assert.Contains(disk.Path!, Probe.VolumePaths().Except(before));
        Assert.Contains(image.Path, Probe.VolumePaths());
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(Unique("img")) with { Image = "no-such-image" }, Ct));

        // An image is a base other disks depend on: it cannot be attached as a writable disk.
        var pool = (await Connection.Require<IStorageManagement>().ListStoragesAsync(Ct)).Single(p => p.Id == image.StorageId).Name;
        await Assert.ThrowsAsync<ConflictException>(() => Connection.Require<IDiskManagement>().CreateDiskAsync(guest.Id, new DiskCreateRequest(StorageId: pool, Volume: image.Id), Ct));
    }

    // ---- power ----

    [Fact]
    public async Task Power_actions_move_the_guest_through_its_states()
    {
        var guest = await Connection.Require<IGuestManagement>().CreateGuestAsync(BootableGuest(Unique("pw")), Ct);
        var power = Connection.Require<IGuestPower>();

        await power.SetPowerAsync(guest.Id, PowerAction.Start, wait: null, Ct);
        Assert.Equal("running", Probe.GuestNativeState(guest.Name));
        await WaitUntilGuestOsReadyAsync(guest);
        await power.SetPowerAsync(guest.Id, PowerAction.Pause, wait: null, Ct);
        Assert.Equal("paused", Probe.GuestNativeState(guest.Name));
        Assert.Equal(GuestState.PAUSED, (await Connection.GetGuestAsync(guest.Id, Ct)).State);
        await power.SetPowerAsync(guest.Id, PowerAction.Resume, wait: null, Ct);
        Assert.Equal("running", Probe.GuestNativeState(guest.Name));
        await power.SetPowerAsync(guest.Id, PowerAction.Stop, wait: TimeSpan.FromSeconds(60), Ct);
        Assert.Equal("shutoff", Probe.GuestNativeState(guest.Name));
        await power.SetPowerAsync(guest.Id, PowerAction.Start, wait: TimeSpan.FromSeconds(30), Ct);
        await power.SetPowerAsync(guest.Id, PowerAction.ForceStop, wait: null, Ct);
        Assert.Equal("shutoff", Probe.GuestNativeState(guest.Name));
        Assert.Equal(GuestState.STOPPED, (await Connection.GetGuestAsync(guest.Id, Ct)).State);
    }

    [Fact]
    public async Task Power_actions_in_the_wrong_state_conflict_and_change_nothing()
    {
        var guest = await CreateGuestAsync();
        var power = Connection.Require<IGuestPower>();

        await Assert.ThrowsAsync<ConflictException>(() => power.SetPowerAsync(guest.Id, PowerAction.Stop, null, Ct));
        await Assert.ThrowsAsync<ConflictException>(() => power.SetPowerAsync(guest.Id, PowerAction.Resume, null, Ct));
        await Assert.ThrowsAsync<ConflictException>(() => power.SetPowerAsync(guest.Id, PowerAction.Pause, null, Ct));
        await Assert.ThrowsAsync<ConflictException>(() => power.RebootAsync(guest.Id, force: false, Ct));
        Assert.Equal("shutoff", Probe.GuestNativeState(guest.Name));

        await power.SetPowerAsync(guest.Id, PowerAction.Start, null, Ct);
        await Assert.ThrowsAsync<ConflictException>(() => power.SetPowerAsync(guest.Id, PowerAction.Start, null, Ct));
        Assert.Equal("running", Probe.GuestNativeState(guest.Name));
    }

    [Fact]
    public async Task Reboot_keeps_a_running_guest_running()
    {
        var guest = await CreateGuestAsync(start: true);
        var power = Connection.Require<IGuestPower>();
        await power.RebootAsync(guest.Id, force: false, Ct);
        await power.RebootAsync(guest.Id, force: true, Ct);
        Assert.Equal("running", Probe.GuestNativeState(guest.Name));
    }

    // ---- disks ----

    [Fact]
    public async Task Disks_are_listed_with_their_sizes()
    {
        var guest = await CreateGuestAsync(diskGiB: 3);
        var disks = Connection.Require<IDiskManagement>();
        var disk = Assert.Single(await disks.ListDisksAsync(guest.Id, Ct));
        Assert.Equal(0, disk.Number);
        Assert.Equal(3, disk.Size);
        Assert.Equal(3L * 1024 * 1024 * 1024, disk.SizeBytes);
        Assert.Equal(disk, await disks.GetDiskAsync(guest.Id, disk.Id, Ct), DiskComparer.Instance);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => disks.GetDiskAsync(guest.Id, "vdz", Ct));
    }

    [Fact]
    public async Task A_disk_added_to_a_stopped_guest_is_in_its_definition_and_deleting_it_removes_its_volume()
    {
        var guest = await CreateGuestAsync();
        var disks = Connection.Require<IDiskManagement>();
        var before = Probe.VolumePaths();

        var disk = await disks.CreateDiskAsync(guest.Id, new DiskCreateRequest(2), Ct);
        Assert.Equal("vdb", disk.Id);
        Assert.Equal(2, disk.Size);
        Assert.Contains("dev='vdb'", Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);
        var added = Assert.Single(Probe.VolumePaths().Except(before));
        Assert.Equal(added, disk.Path);

        await disks.DeleteDiskAsync(guest.Id, disk.Id, Ct);
        Assert.DoesNotContain("dev='vdb'", Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);
        Assert.Equal(before, Probe.VolumePaths());
    }

    [Fact]
    public async Task A_disk_hot_plugged_to_a_running_guest_attaches_live_or_leaves_no_volume()
    {
        var guest = await CreateGuestAsync(start: true);
        var before = Probe.VolumePaths();
        var disks = Connection.Require<IDiskManagement>();
        if (SupportsHotPlug)
        {
            var disk = await disks.CreateDiskAsync(guest.Id, new DiskCreateRequest(1), Ct);
            Assert.Equal("vdb", disk.Id);
            Assert.Contains("dev='vdb'", Probe.GuestLiveDescription(guest.Name), StringComparison.Ordinal);
            Assert.Contains("dev='vdb'", Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);
            Assert.Single(Probe.VolumePaths().Except(before));
        }
        else
        {
            await Assert.ThrowsAsync<FeatureNotAvailableException>(() => disks.CreateDiskAsync(guest.Id, new DiskCreateRequest(1), Ct));
            Assert.Equal(before, Probe.VolumePaths());
            Assert.DoesNotContain("dev='vdb'", Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);
        }
    }

    // ---- media ----

    [Fact]
    public async Task An_iso_volume_mounts_and_ejects()
    {
        var guest = await CreateGuestAsync();
        var media = Connection.Require<IMediaManagement>();
        var iso = Unique("installer") + ".iso";
        var isoPath = Probe.CreateVolume(iso, 1024 * 1024);

        Assert.Null((await media.GetMediaAsync(guest.Id, Ct)).Name);
        Assert.Equal(iso, (await media.SetMediaAsync(guest.Id, iso, Ct)).Name);
        Assert.Contains(isoPath, Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);
        Assert.Equal(iso, (await media.GetMediaAsync(guest.Id, Ct)).Name);

        Assert.Null((await media.SetMediaAsync(guest.Id, null, Ct)).Name);
        Assert.DoesNotContain(isoPath, Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);
        Assert.Contains("device='cdrom'", Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);
        Probe.DeleteVolume(isoPath);
    }

    [Fact]
    public async Task Media_outside_the_allowed_places_is_refused()
    {
        var guest = await CreateGuestAsync();
        var media = Connection.Require<IMediaManagement>();
        await Assert.ThrowsAsync<InvalidArgumentException>(() => media.SetMediaAsync(guest.Id, "/etc/passwd", Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => media.SetMediaAsync(guest.Id, "no-such.iso", Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => media.SetMediaAsync(guest.Id, "../../etc/passwd", Ct));
        Assert.DoesNotContain("device='cdrom'", Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);
    }

    // ---- network interfaces ----

    [Fact]
    public async Task A_nic_is_added_updated_and_removed_on_a_stopped_guest()
    {
        var guest = await CreateGuestAsync();
        var nics = Connection.Require<INetworkInterfaceManagement>();

        var nic = await nics.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest(ExistingNetwork, Mac: "52:54:00:AA:BB:01"), Ct);
        Assert.Equal("52:54:00:aa:bb:01", nic.Id);
        Assert.Equal(ExistingNetwork, nic.Network);
        Assert.Contains("52:54:00:aa:bb:01", Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);

        var limited = await nics.UpdateNetworkInterfaceAsync(guest.Id, nic.Id, new NicUpdateRequest(RateLimitBitsPerSecond: 8_192_000), Ct);
        Assert.NotNull(limited.RateLimit);
        Assert.Contains("average='1000'", Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);
        var unlimited = await nics.UpdateNetworkInterfaceAsync(guest.Id, nic.Id, new NicUpdateRequest(RemoveRateLimit: true), Ct);
        Assert.Null(unlimited.RateLimit);

        Assert.Equal(nic.Id, Assert.Single(await nics.ListNetworkInterfacesAsync(guest.Id, Ct)).Id);
        await nics.DeleteNetworkInterfaceAsync(guest.Id, nic.Id, Ct);
        Assert.DoesNotContain("52:54:00:aa:bb:01", Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => nics.GetNetworkInterfaceAsync(guest.Id, nic.Id, Ct));
    }

    [Fact]
    public async Task A_nic_with_a_bad_mac_or_network_is_refused()
    {
        var guest = await CreateGuestAsync();
        var nics = Connection.Require<INetworkInterfaceManagement>();
        await Assert.ThrowsAsync<InvalidArgumentException>(() => nics.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest(ExistingNetwork, Mac: "zz:zz"), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => nics.CreateNetworkInterfaceAsync(guest.Id, new NicCreateRequest("no-such-network"), Ct));
        Assert.Empty(await nics.ListNetworkInterfacesAsync(guest.Id, Ct));
    }

    // ---- tags ----

    [Fact]
    public async Task Tags_are_added_listed_and_removed_in_the_domain_metadata()
    {
        var guest = await CreateGuestAsync();
        var tags = Connection.Require<ITagManagement>();

        Assert.Empty(await tags.ListTagsAsync(guest.Id, Ct));
        Assert.Equal(["web"], await tags.AddTagAsync(guest.Id, "web", Ct));
        Assert.Equal(["web", "db <&>"], await tags.AddTagAsync(guest.Id, "db <&>", Ct));
        Assert.Equal(["web", "db <&>"], await tags.AddTagAsync(guest.Id, "web", Ct));
        Assert.Contains("<tag>db &lt;&amp;&gt;</tag>", Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);

        await tags.RemoveTagAsync(guest.Id, "web", Ct);
        Assert.Equal(["db <&>"], await tags.ListTagsAsync(guest.Id, Ct));
        Assert.DoesNotContain("<tag>web</tag>", Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => tags.RemoveTagAsync(guest.Id, "web", Ct));
    }

    [Fact]
    public async Task Tags_on_a_running_guest_persist()
    {
        var guest = await CreateGuestAsync(start: true);
        await Connection.Require<ITagManagement>().AddTagAsync(guest.Id, "live", Ct);
        Assert.Contains("<tag>live</tag>", Probe.GuestDefinition(guest.Name), StringComparison.Ordinal);
        Assert.Contains("<tag>live</tag>", Probe.GuestLiveDescription(guest.Name), StringComparison.Ordinal);
    }

    // ---- snapshots ----

    [Fact]
    public async Task Snapshots_are_created_listed_reverted_and_deleted()
    {
        var guest = await CreateGuestAsync(start: true);
        var snapshots = Connection.Require<ISnapshotManagement>();

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
        Assert.Equal("running", Probe.GuestNativeState(guest.Name));

        await snapshots.DeleteSnapshotAsync(guest.Id, "before", Ct);
        Assert.Equal([generated.Name], Probe.SnapshotNames(guest.Name));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => snapshots.GetSnapshotAsync(guest.Id, "before", Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => snapshots.RevertSnapshotAsync(guest.Id, "before", Ct));
    }

    [Fact]
    public async Task A_duplicate_snapshot_name_conflicts()
    {
        var guest = await CreateGuestAsync();
        var snapshots = Connection.Require<ISnapshotManagement>();
        await snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("same"), Ct);
        await Assert.ThrowsAsync<ConflictException>(() => snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("same"), Ct));
        Assert.Equal(["same"], Probe.SnapshotNames(guest.Name));
    }

    // ---- networks ----

    [Fact]
    public async Task Networks_are_listed_and_found()
    {
        var networks = Connection.Require<INetworkManagement>();
        var all = await networks.ListNetworksAsync(Ct);
        Assert.Contains(all, n => n.Name == ExistingNetwork);
        var byName = await networks.GetNetworkAsync(ExistingNetwork, Ct);
        Assert.Equal(byName.Name, (await networks.GetNetworkAsync(byName.Uuid, Ct)).Name);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => networks.GetNetworkAsync("no-such-network", Ct));
    }

    [Fact]
    public async Task A_vlan_network_on_an_ovs_bridge_is_persistent_and_deletable()
    {
        var networks = Connection.Require<INetworkManagement>();
        var name = Unique("vlan");
        var created = await networks.CreateNetworkAsync(new NetworkCreateRequest(name, "VLAN 10 storage", "ovsbr0", 10, new Dictionary<string, string> { ["owner"] = "ops" }), Ct);

        Assert.Equal(10, created.Vlan);
        Assert.Equal("ovsbr0", created.Bridge);
        Assert.Equal("VLAN 10 storage", created.Description);
        Assert.Equal("ops", created.OtherConfig["owner"]);
        var state = Probe.NetworkState(name);
        Assert.True(state.Active && state.Persistent && state.Autostart);
        Assert.Contains("<tag id='10'/>", state.Xml, StringComparison.Ordinal);
        Assert.Contains("type='openvswitch'", state.Xml, StringComparison.Ordinal);

        await Assert.ThrowsAsync<ConflictException>(() => networks.CreateNetworkAsync(new NetworkCreateRequest(name, FromNetwork: "ovsbr0", Vlan: 11), Ct));
        await networks.DeleteNetworkAsync(name, Ct);
        Assert.False(Probe.NetworkExists(name));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4095)]
    public async Task Invalid_vlan_networks_are_refused_and_nothing_is_defined(int vlan)
    {
        var name = Unique("bad");
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.Require<INetworkManagement>().CreateNetworkAsync(new NetworkCreateRequest(name, FromNetwork: "ovsbr0", Vlan: vlan), Ct));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.Require<INetworkManagement>().CreateNetworkAsync(new NetworkCreateRequest(name, Vlan: 10), Ct));
        Assert.False(Probe.NetworkExists(name));
    }

    private sealed class DiskComparer : IEqualityComparer<Disk>
    {
        public static readonly DiskComparer Instance = new();

        public bool Equals(Disk? x, Disk? y) => x?.Id == y?.Id && x?.SizeBytes == y?.SizeBytes && x?.Path == y?.Path && x?.Name == y?.Name;

        public int GetHashCode(Disk obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
