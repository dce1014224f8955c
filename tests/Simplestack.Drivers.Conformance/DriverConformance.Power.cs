using Simplestack.Core;

namespace Simplestack.Drivers.Conformance;

// Power: every action moves the guest where the hypervisor says it is; the wrong state answers 409.
public abstract partial class DriverConformance
{
    [Fact]
    public async Task Power_actions_move_the_guest_through_its_states()
    {
        var guest = await Connection.Require<IGuestManagement>().CreateGuestAsync(BootableGuest(Unique("pw")), Ct);
        var power = Connection.Require<IGuestPower>();

        await power.SetPowerAsync(guest.Id, PowerAction.Start, wait: null, Ct);
        Assert.Equal(ProbedPower.Running, Probe.Power(guest.Name));
        await WaitUntilGuestOsReadyAsync(guest);
        await power.SetPowerAsync(guest.Id, PowerAction.Pause, wait: null, Ct);
        Assert.Equal(ProbedPower.Paused, Probe.Power(guest.Name));
        AssertState(await Connection.GetGuestAsync(guest.Id, Ct), GuestState.PAUSED, ProbedPower.Paused);
        await power.SetPowerAsync(guest.Id, PowerAction.Resume, wait: null, Ct);
        Assert.Equal(ProbedPower.Running, Probe.Power(guest.Name));
        if (StopsWhenAsked)
        {
            await power.SetPowerAsync(guest.Id, PowerAction.Stop, wait: TimeSpan.FromSeconds(60), Ct);
            Assert.Equal(ProbedPower.Stopped, Probe.Power(guest.Name));
        }
        else
        {
            // The known limit the derived class declares: asked to stop, the guest runs on and the wait answers 504.
            await Assert.ThrowsAsync<HypervisorTimeoutException>(() => power.SetPowerAsync(guest.Id, PowerAction.Stop, wait: TimeSpan.FromSeconds(3), Ct));
            Assert.Equal(ProbedPower.Running, Probe.Power(guest.Name));
            await power.SetPowerAsync(guest.Id, PowerAction.ForceStop, wait: null, Ct);
        }

        await power.SetPowerAsync(guest.Id, PowerAction.Start, wait: TimeSpan.FromSeconds(30), Ct);
        await power.SetPowerAsync(guest.Id, PowerAction.ForceStop, wait: null, Ct);
        Assert.Equal(ProbedPower.Stopped, Probe.Power(guest.Name));
        AssertState(await Connection.GetGuestAsync(guest.Id, Ct), GuestState.STOPPED, ProbedPower.Stopped);
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
        Assert.Equal(ProbedPower.Stopped, Probe.Power(guest.Name));

        await power.SetPowerAsync(guest.Id, PowerAction.Start, null, Ct);
        await Assert.ThrowsAsync<ConflictException>(() => power.SetPowerAsync(guest.Id, PowerAction.Start, null, Ct));
        Assert.Equal(ProbedPower.Running, Probe.Power(guest.Name));
    }

    [Fact]
    public async Task Reboot_keeps_a_running_guest_running()
    {
        var guest = await CreateGuestAsync(start: true);
        var power = Connection.Require<IGuestPower>();
        if (SupportsGuestReboot)
        {
            await power.RebootAsync(guest.Id, force: false, Ct);
        }
        else
        {
            await AssertNotAvailableAsync(() => power.RebootAsync(guest.Id, force: false, Ct));
        }

        if (SupportsForcedReboot)
        {
            await power.RebootAsync(guest.Id, force: true, Ct);
        }
        else
        {
            await AssertNotAvailableAsync(() => power.RebootAsync(guest.Id, force: true, Ct));
        }

        Assert.Equal(ProbedPower.Running, Probe.Power(guest.Name));
    }
}
