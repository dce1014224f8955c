using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Power and reboot. Wrong current state answers 409 before libvirt is asked, with a message that
// says what the state is.
public abstract partial class LibvirtHypervisorConnection
{
    private static readonly TimeSpan PowerPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// While a stop is waited for, the ACPI request is sent again this often: a guest can miss the
    /// power button (pressed while it boots or while its ACPI daemon starts), and one press would
    /// then leave it running until the wait ends. OpenStack's libvirt driver re-sends it the same way.
    /// </summary>
    internal static readonly TimeSpan ShutdownRepeatInterval = TimeSpan.FromSeconds(10);

    public async Task SetPowerAsync(string guestId, PowerAction action, TimeSpan? wait, CancellationToken cancellationToken)
    {
        var uuid = await _calls.RunAsync(() =>
        {
            using var domain = FindDomain(guestId);
            var (state, _) = domain.GetState();
            var status = StateMap.Map(state);
            void Require(bool allowed, string what)
            {
                if (!allowed)
                {
                    throw new ConflictException($"Cannot {what} guest '{domain.Name}': it is {status.Detail}.");
                }
            }

            switch (action)
            {
                case PowerAction.Start:
                    Require(!domain.IsActive, "start");
                    domain.Start();
                    break;
                case PowerAction.Stop:
                    Require(status.State == GuestState.STARTED, "stop");
                    domain.Shutdown();
                    break;
                case PowerAction.ForceStop:
                    Require(domain.IsActive, "force-stop");
                    domain.Destroy();
                    break;
                case PowerAction.Pause:
                    Require(status.State == GuestState.STARTED, "pause");
                    domain.Suspend();
                    break;
                case PowerAction.Resume:
                    Require(status.State == GuestState.PAUSED, "resume");
                    domain.Resume();
                    break;
                default:
                    throw new InvalidArgumentException($"Unknown power action '{action}'.");
            }

            GuestTouched(domain.Uuid);
            return domain.Uuid;
        }, cancellationToken);

        if (wait is { } limit)
        {
            await WaitForStateAsync(uuid, TargetState(action), limit, repeatShutdown: action == PowerAction.Stop, cancellationToken);
        }
    }

    private static GuestState TargetState(PowerAction action) => action switch
    {
        PowerAction.Start or PowerAction.Resume => GuestState.STARTED,
        PowerAction.Pause => GuestState.PAUSED,
        _ => GuestState.STOPPED,
    };

    private async Task WaitForStateAsync(string uuid, GuestState wanted, TimeSpan limit, bool repeatShutdown, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + limit;
        var nextShutdown = DateTime.UtcNow + ShutdownRepeatInterval;
        while (true)
        {
            var current = await _calls.RunAsync(() =>
            {
                using var domain = FindDomain(uuid);
                var state = StateMap.Map(domain.GetState().State).State;
                if (repeatShutdown && state == GuestState.STARTED && DateTime.UtcNow >= nextShutdown)
                {
                    nextShutdown = DateTime.UtcNow + ShutdownRepeatInterval;
                    try
                    {
                        domain.Shutdown();
                    }
                    catch (LibvirtException)
                    {
                        // It stopped between the two calls: the next look sees it.
                    }
                }

                return state;
            }, cancellationToken);
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

    public Task RebootAsync(string guestId, bool force, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        using var domain = FindDomain(guestId);
        if (StateMap.Map(domain.GetState().State).State != GuestState.STARTED)
        {
            throw new ConflictException($"Cannot reboot guest '{domain.Name}': it is not running.");
        }

        if (force)
        {
            domain.Reset();
        }
        else
        {
            domain.Reboot();
        }
    }, cancellationToken);
}
