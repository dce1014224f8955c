using System.Net;
using Simplestack.Client.Models;

namespace Simplestack.Client.Tests.Sdk;

public class GuestsAndPowerTests(GatewayFactory factory) : GatewayTestBase(factory)
{
    [Fact]
    public async Task Lists_and_gets_the_test_guest_by_name_and_id()
    {
        var guests = await Sdk.Guests.ListAsync(Ct);
        var test = Assert.Single(guests, g => g.Name == "test");
        Assert.Equal(GuestState.Started, test.State);
        Assert.Equal("running", test.StateDetail);
        Assert.True(test.Memory > 0);

        var byName = await Sdk.Guests.GetAsync("test", Ct);
        var byId = await Sdk.Guests.GetAsync(test.Id, Ct);
        Assert.Equal(test.Id, byName.Id);
        Assert.Equal("test", byId.Name);
    }

    [Fact]
    public async Task Lists_filtered_by_state_name_and_tag()
    {
        var prefix = UniqueName("sdkf");
        var a = await CreateGuestAsync($"{prefix}-a");
        var b = await CreateGuestAsync($"{prefix}-b", start: true);
        await Sdk.Tags.AddAsync(a.Id, prefix, Ct);
        await Sdk.Tags.AddAsync(b.Id, prefix, Ct);

        Assert.Equal([a.Name, b.Name], (await Sdk.Guests.ListAsync(new GuestFilter(Name: $"{prefix}-?"), Ct)).Select(g => g.Name).Order());
        Assert.Equal([b.Name], (await Sdk.Guests.ListAsync(new GuestFilter(GuestState.Started, Tag: prefix), Ct)).Select(g => g.Name));
        Assert.Equal([a.Name], (await Sdk.Guests.ListAsync(new GuestFilter(GuestState.Stopped, $"{prefix}*", prefix), Ct)).Select(g => g.Name));
        Assert.Empty(await Sdk.Guests.ListAsync(new GuestFilter(Tag: prefix + " other&x=1"), Ct));
        Assert.Contains(await Sdk.Guests.ListAsync(new GuestFilter(), Ct), g => g.Name == "test");
    }

    [Fact]
    public async Task Waits_for_an_address_or_fails_with_504()
    {
        var test = await Sdk.Guests.WaitForIpAsync("test", TimeSpan.FromSeconds(5), Ct); // the test hypervisor's own domain has one
        Assert.False(string.IsNullOrEmpty(test.Ip));

        var guest = await CreateGuestAsync(start: true);
        var error = await Assert.ThrowsAnyAsync<SimplestackApiException>(() => Sdk.Guests.WaitForIpAsync(guest.Id, TimeSpan.FromSeconds(0.3), Ct));
        Assert.Equal(HttpStatusCode.GatewayTimeout, error.Status);
    }

    [Fact]
    public async Task Create_update_delete_reads_back_each_step()
    {
        var name = UniqueName();
        var created = await Sdk.Guests.CreateAsync(
            new GuestCreateRequest
            {
                Name = name,
                Memory = 256,
                Cpus = 2,
                Disks = [new DiskSpec(1)],
                NetworkInterfaces = [new NicSpec("default")],
            },
            Ct);
        Assert.Equal(name, created.Name);
        Assert.Equal(GuestState.Stopped, created.State);

        var read = await Sdk.Guests.GetAsync(created.Id, Ct);
        Assert.Equal(256, read.Memory);
        Assert.Equal(2, read.Cpus);
        Assert.Equal(1, read.Hdd);
        Assert.Contains(await Sdk.Guests.ListAsync(Ct), g => g.Id == created.Id);

        var updated = await Sdk.Guests.UpdateAsync(created.Id, new GuestUpdateRequest { Memory = 512, Cpus = 1 }, Ct);
        Assert.NotNull(updated.Applied);
        Assert.Contains("memory", updated.Applied!.Keys);
        read = await Sdk.Guests.GetAsync(created.Id, Ct);
        Assert.Equal(512, read.Memory);
        Assert.Equal(1, read.Cpus);

        await Sdk.Guests.DeleteAsync(created.Id, cancellationToken: Ct);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Guests.GetAsync(created.Id, Ct));
        Assert.DoesNotContain(await Sdk.Guests.ListAsync(Ct), g => g.Id == created.Id);
    }

    [Fact]
    public async Task Update_sends_limits_in_the_originals_object_shapes()
    {
        var created = await Sdk.Guests.CreateAsync(new GuestCreateRequest { Name = UniqueName(), Memory = 256, Cpus = 1 }, Ct);

        var updated = await Sdk.Guests.UpdateAsync(
            created.Id,
            new GuestUpdateRequest { Cpus = 2, VcpusMax = 3, MemoryLimits = new MemoryLimits(StaticMax: 512, Target: 384), Paravirtualized = false },
            Ct);

        Assert.Equal((2, 384L), (updated.Cpus, updated.Memory));
        var refused = await Assert.ThrowsAsync<FeatureNotImplementedException>(
            () => Sdk.Guests.UpdateAsync(created.Id, new GuestUpdateRequest { VcpuSettings = new VcpuSettings(Weight: 512) }, Ct));
        Assert.Equal((HttpStatusCode.NotImplemented, "FeatureNotAvailable"), (refused.Status, refused.Error));
        await Assert.ThrowsAsync<InvalidArgumentsException>(
            () => Sdk.Guests.UpdateAsync(created.Id, new GuestUpdateRequest { Cpus = 4, VcpusMax = 2 }, Ct));
        await Sdk.Guests.DeleteAsync(created.Id, cancellationToken: Ct);
    }

    [Fact]
    public async Task Power_actions_change_the_state_and_wrong_states_are_conflicts()
    {
        var guest = await CreateGuestAsync();

        var started = await Sdk.Power.StartAsync(guest.Id, cancellationToken: Ct);
        Assert.Equal("start", started.Action);
        Assert.Equal("ok", started.Message);
        Assert.Equal(GuestState.Started, (await Sdk.Guests.GetAsync(guest.Id, Ct)).State);

        var again = await Assert.ThrowsAsync<ConflictException>(() => Sdk.Power.StartAsync(guest.Id, cancellationToken: Ct));
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal("Conflict", again.Error);

        await Sdk.Power.PauseAsync(guest.Id, cancellationToken: Ct);
        Assert.Equal(GuestState.Paused, (await Sdk.Guests.GetAsync(guest.Id, Ct)).State);
        await Sdk.Power.ResumeAsync(guest.Id, cancellationToken: Ct);
        Assert.Equal(GuestState.Started, (await Sdk.Guests.GetAsync(guest.Id, Ct)).State);

        Assert.Equal("reboot", (await Sdk.Power.RebootAsync(guest.Id, force: true, Ct)).Action);
        Assert.Equal(GuestState.Started, (await Sdk.Guests.GetAsync(guest.Id, Ct)).State);

        await Sdk.Power.ForceStopAsync(guest.Id, TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(GuestState.Stopped, (await Sdk.Guests.GetAsync(guest.Id, Ct)).State);

        await Sdk.Power.StartAsync(guest.Id, cancellationToken: Ct);
        await Sdk.Power.StopAsync(guest.Id, TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(GuestState.Stopped, (await Sdk.Guests.GetAsync(guest.Id, Ct)).State);

        await Sdk.Guests.DeleteAsync(guest.Id, cancellationToken: Ct);
    }

    [Fact]
    public async Task Delete_with_keep_disks_keeps_the_volume()
    {
        var guest = await CreateGuestAsync(disks: [new DiskSpec(1)]);
        var disk = Assert.Single(await Sdk.Disks.ListAsync(guest.Id, Ct));
        await Sdk.Guests.DeleteAsync(guest.Id, keepDisks: true, Ct);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Guests.GetAsync(guest.Id, Ct));

        // The volume is still there (read back through the pool's volumes, API.md §6).
        Assert.Contains(await Sdk.Volumes.ListAsync("default-pool", Ct), v => v.Path == disk.Path);
    }
}
