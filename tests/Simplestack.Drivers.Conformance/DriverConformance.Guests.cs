using Simplestack.Core;

namespace Simplestack.Drivers.Conformance;

// Guests: create, read, update, delete, and what a failed create leaves behind (nothing).
public abstract partial class DriverConformance
{
    protected async Task<Guest> CreateGuestAsync(string? name = null, bool start = false, double diskGiB = 1)
        => await Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(name ?? Unique("g"), start, diskGiB), Ct);

    /// <summary>Asserts the API's state and native word match what the probe reads.</summary>
    private void AssertState(Guest guest, GuestState state, ProbedPower power)
    {
        Assert.Equal(state, guest.State);
        Assert.Equal(power, Probe.Power(guest.Name));
        Assert.Equal(Probe.NativeState(guest.Name), guest.StateDetail);
    }

    [Fact]
    public async Task A_created_guest_is_defined_stopped_and_listed()
    {
        var before = Probe.VolumePaths();
        var guest = await CreateGuestAsync(diskGiB: 2);

        Assert.True(Probe.GuestExists(guest.Name));
        AssertState(guest, GuestState.STOPPED, ProbedPower.Stopped);

        // hdd is the total of the guest's disks, as the hypervisor has them; the volumes made are
        // those disks. Where the driver makes disks, they are the one asked for; without that
        // capability, they are what the image provisions (none on LXC, a template's on Xen).
        var disks = Probe.Disks(guest.Name);
        Assert.Equal(Math.Round(disks.Sum(d => d.SizeBytes) / (1024d * 1024 * 1024), 2), guest.Hdd);
        Assert.Equal(disks.Count, Probe.VolumePaths().Except(before).Count());
        if (GuestsHaveDisks)
        {
            Assert.Equal(2, guest.Hdd);
            Assert.Single(disks);
        }
        Assert.Contains(await Connection.ListGuestsAsync(Ct), g => g.Id == guest.Id && g.Name == guest.Name);
        Assert.Equal(guest.Id, (await Connection.GetGuestAsync(guest.Name, Ct)).Id);
        Assert.Equal(guest.Name, (await Connection.GetGuestAsync(guest.Id, Ct)).Name);
    }

    [Fact]
    public async Task A_guest_created_with_start_runs()
    {
        var guest = await CreateGuestAsync(start: true);
        AssertState(guest, GuestState.STARTED, ProbedPower.Running);
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
        var request = NewGuest(name) with { NetworkInterfaces = [new NicSpec(ExistingNetwork), new NicSpec("no-such-network")] };
        if (GuestsHaveDisks)
        {
            request = request with { Disks = [new DiskSpec(1), new DiskSpec(1)] };
        }

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Connection.Require<IGuestManagement>().CreateGuestAsync(request, Ct));

        Assert.False(Probe.GuestExists(name));
        Assert.Equal(volumes, Probe.VolumePaths());
    }

    [Fact]
    public Task A_create_whose_second_disk_names_an_unknown_pool_leaves_nothing() => WhenSupported<IDiskManagement>(async _ =>
    {
        var name = Unique("pool");
        var volumes = Probe.VolumePaths();
        var request = NewGuest(name) with { Disks = [new DiskSpec(1), new DiskSpec(1, StorageId: "no-such-pool")] };

        await Assert.ThrowsAsync<EntityNotFoundException>(() => Connection.Require<IGuestManagement>().CreateGuestAsync(request, Ct));

        Assert.False(Probe.GuestExists(name));
        Assert.Equal(volumes, Probe.VolumePaths());
    });

    [Theory]
    [InlineData("quote'\"name")]
    [InlineData("x<name>y<memory>1<memory>")]
    [InlineData("amp&lt;]]>")]
    [InlineData("gäst-名前")]
    public async Task Names_with_xml_metacharacters_stay_one_name(string name)
    {
        var guest = await Connection.Require<IGuestManagement>().CreateGuestAsync(NewGuest(Remember(name)) with { Memory = 256 }, Ct);

        Assert.Equal(name, guest.Name);
        Assert.Equal(256, guest.Memory);
        Assert.True(Probe.GuestExists(name));
        Assert.Equal(256, Probe.DefinedMemoryMiB(name));
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
        var management = Connection.Require<IGuestManagement>();
        var updated = await management.UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Memory: 512), Ct);
        Assert.Equal(512, updated.Memory);
        Assert.Equal(Applied.NextBoot, updated.Applied!["memory"]);
        Assert.Equal(512, Probe.DefinedMemoryMiB(guest.Name));

        var cpus = Probe.DefinedCpus(guest.Name);
        if (SupportsCpuChange)
        {
            updated = await management.UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Cpus: 2), Ct);
            Assert.Equal(2, updated.Cpus);
            Assert.Equal(Applied.NextBoot, updated.Applied!["cpus"]);
            Assert.Equal(2, Probe.DefinedCpus(guest.Name));
        }
        else
        {
            await AssertNotAvailableAsync(() => management.UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Cpus: 2), Ct));
            Assert.Equal(cpus, Probe.DefinedCpus(guest.Name));
        }
    }

    [Fact]
    public async Task Memory_of_a_running_guest_changes_live()
    {
        var guest = await Connection.Require<IGuestManagement>().CreateGuestAsync(BootableGuest(Unique("mem")) with { Start = true }, Ct);
        Assert.NotEqual(LiveMemoryMiB, guest.Memory);
        await WaitUntilGuestOsReadyAsync(guest);
        var updated = await Connection.Require<IGuestManagement>().UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Memory: LiveMemoryMiB), Ct);

        Assert.Equal(Applied.Live, updated.Applied!["memory"]);
        Assert.Equal(LiveMemoryMiB, Probe.DefinedMemoryMiB(guest.Name));

        // A real guest gives memory back through its balloon driver: allow it a moment.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await Connection.GetGuestAsync(guest.Id, Ct)).Memory != LiveMemoryMiB && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, Ct);
        }

        Assert.Equal(LiveMemoryMiB, (await Connection.GetGuestAsync(guest.Id, Ct)).Memory);
    }

    [Fact]
    public async Task A_stopped_guest_can_be_renamed_and_a_running_one_cannot()
    {
        var guest = await CreateGuestAsync();
        var management = Connection.Require<IGuestManagement>();
        var newName = Unique("renamed");
        if (!SupportsRename)
        {
            await AssertNotAvailableAsync(() => management.UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Name: newName), Ct));
            Assert.True(Probe.GuestExists(guest.Name));
            Assert.False(Probe.GuestExists(newName));
            return;
        }

        await management.UpdateGuestAsync(guest.Id, new GuestUpdateRequest(Name: newName), Ct);
        Assert.True(Probe.GuestExists(newName));
        Assert.False(Probe.GuestExists(guest.Name));

        var running = await CreateGuestAsync(start: true);
        await Assert.ThrowsAsync<ConflictException>(() => management.UpdateGuestAsync(running.Id, new GuestUpdateRequest(Name: Unique("x")), Ct));
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
    public Task Deleting_a_running_guest_with_snapshots_removes_it() => WhenSupported<ISnapshotManagement>(async snapshots =>
    {
        var guest = await CreateGuestAsync(start: true);
        await snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("one"), Ct);
        await snapshots.CreateSnapshotAsync(guest.Id, new SnapshotCreateRequest("two"), Ct);

        await Connection.Require<IGuestManagement>().DeleteGuestAsync(guest.Id, new GuestDeleteOptions(), Ct);

        Assert.False(Probe.GuestExists(guest.Name));
    });

    [Fact]
    public Task Deleting_with_keep_disks_keeps_the_volumes() => WhenSupported<IDiskManagement>(async _ =>
    {
        var before = Probe.VolumePaths();
        var guest = await CreateGuestAsync();
        var created = Probe.VolumePaths().Except(before).ToList();
        created.ForEach(RememberVolume);
        await Connection.Require<IGuestManagement>().DeleteGuestAsync(guest.Id, new GuestDeleteOptions(KeepDisks: true), Ct);

        Assert.False(Probe.GuestExists(guest.Name));
        Assert.NotEmpty(created);
        Assert.All(created, path => Assert.Contains(path, Probe.VolumePaths()));
    });
}
