using Simplestack.Core;

namespace Simplestack.Drivers.XenApi;

// Power and reboot (API.md §8, Xen column). A wrong current state answers 409 before XenAPI is
// asked, saying what the state is; a state that changes in between gets XenAPI's own
// VM_BAD_POWER_STATE, which is 409 too.
public sealed partial class XenApiConnection
{
    private static readonly TimeSpan PowerPollInterval = TimeSpan.FromMilliseconds(200);

    public async Task SetPowerAsync(string guestId, PowerAction action, TimeSpan? wait, CancellationToken cancellationToken)
    {
        var (vmRef, vm) = await FindVmAsync(guestId, cancellationToken);
        var state = vm.PowerState;
        void Require(bool allowed, string what)
        {
            if (!allowed)
            {
                throw new ConflictException($"Cannot {what} guest '{vm.NameLabel}': it is {state}.");
            }
        }

        switch (action)
        {
            case PowerAction.Start:
                Require(state == "Halted", "start");
                await Call.Start(vmRef, cancellationToken);
                break;
            case PowerAction.Stop:
                Require(state == "Running", "stop");
                await Call.CleanShutdown(vmRef, cancellationToken);
                break;
            case PowerAction.ForceStop:
                Require(state != "Halted", "force-stop");
                await Call.HardShutdown(vmRef, cancellationToken);
                break;
            case PowerAction.Pause:
                Require(state == "Running", "pause");
                await Call.Pause(vmRef, cancellationToken);
                break;
            case PowerAction.Resume:
                Require(state is "Paused" or "Suspended", "resume");
                await (state == "Paused" ? Call.Unpause(vmRef, cancellationToken) : Call.Resume(vmRef, cancellationToken));
                break;
            default:
                throw new InvalidArgumentException($"Unknown power action '{action}'.");
        }

        if (wait is { } limit)
        {
            await WaitForStateAsync(vmRef, TargetState(action), limit, cancellationToken);
        }
    }

    private static GuestState TargetState(PowerAction action) => action switch
    {
        PowerAction.Start or PowerAction.Resume => GuestState.STARTED,
        PowerAction.Pause => GuestState.PAUSED,
        _ => GuestState.STOPPED,
    };

    /// <summary>
    /// XenAPI's power calls return once the change is done, so this mostly returns at the first
    /// look; it still polls, because a clean shutdown that the guest ignores can be cut short by
    /// the pool and another client may change the state meanwhile.
    /// </summary>
    private async Task WaitForStateAsync(string vmRef, GuestState wanted, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var current = GuestMapping.State(await Call.PowerState(vmRef, cancellationToken)).State;
            if (current == wanted)
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new HypervisorTimeoutException($"The guest did not reach {wanted} within {limit.TotalSeconds:0.#} s (it is {current}).");
            }

            await Task.Delay(PowerPollInterval, cancellationToken);
        }
    }

    public async Task RebootAsync(string guestId, bool force, CancellationToken cancellationToken)
    {
        var (vmRef, vm) = await FindVmAsync(guestId, cancellationToken);
        if (vm.PowerState != "Running")
        {
            throw new ConflictException($"Cannot reboot guest '{vm.NameLabel}': it is {vm.PowerState}.");
        }

        await (force ? Call.HardReboot(vmRef, cancellationToken) : Call.CleanReboot(vmRef, cancellationToken));
    }
}
