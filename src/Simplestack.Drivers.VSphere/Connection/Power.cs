using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

// Power and reboot (API.md §8, VMware column). A wrong current state answers 409 before vSphere is
// asked, saying what the state is; a state that changes in between gets vSphere's own
// InvalidPowerState, which is 409 too. Tasks are waited on until they end, so the answer comes
// once the change is done.
public sealed partial class VSphereConnection
{
    private static readonly TimeSpan PowerPollInterval = TimeSpan.FromMilliseconds(200);

    public async Task SetPowerAsync(string guestId, PowerAction action, TimeSpan? wait, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        var (name, state) = await ReadPowerAsync(vm, cancellationToken);
        void Require(bool allowed, string what)
        {
            if (!allowed)
            {
                throw new ConflictException($"Cannot {what} guest '{name}': it is {state}.");
            }
        }

        switch (action)
        {
            case PowerAction.Start:
                Require(state == "poweredOff", "start");
                await RunTaskAsync("PowerOnVM_Task", vm, cancellationToken);
                break;
            case PowerAction.Stop:
                // Asks the guest OS through VMware Tools and answers at once (ToolsUnavailable: 409).
                Require(state == "poweredOn", "stop");
                await _session.CallAsync("ShutdownGuest", vm, cancellationToken);
                break;
            case PowerAction.ForceStop:
                Require(state != "poweredOff", "force-stop");
                await RunTaskAsync("PowerOffVM_Task", vm, cancellationToken);
                break;
            case PowerAction.Pause:
                Require(state == "poweredOn", "pause");
                await RunTaskAsync("SuspendVM_Task", vm, cancellationToken);
                break;
            case PowerAction.Resume:
                Require(state == "suspended", "resume");
                await RunTaskAsync("PowerOnVM_Task", vm, cancellationToken);
                break;
            default:
                throw new InvalidArgumentException($"Unknown power action '{action}'.");
        }

        if (wait is { } limit)
        {
            await WaitForStateAsync(vm, TargetState(action), limit, cancellationToken);
        }
    }

    /// <summary>A guest reboot through VMware Tools (<c>RebootGuest</c>), or with force a reset (<c>ResetVM_Task</c>).</summary>
    public async Task RebootAsync(string guestId, bool force, CancellationToken cancellationToken)
    {
        var vm = await FindVmAsync(guestId, cancellationToken);
        var (name, state) = await ReadPowerAsync(vm, cancellationToken);
        if (state != "poweredOn")
        {
            throw new ConflictException($"Cannot reboot guest '{name}': it is {state}.");
        }

        if (force)
        {
            await RunTaskAsync("ResetVM_Task", vm, cancellationToken);
        }
        else
        {
            await _session.CallAsync("RebootGuest", vm, cancellationToken); // MethodNotFound (vcsim 0.24): 501 FeatureNotAvailable.
        }
    }

    private static GuestState TargetState(PowerAction action) => action switch
    {
        PowerAction.Start or PowerAction.Resume => GuestState.STARTED,
        PowerAction.Pause => GuestState.PAUSED,
        _ => GuestState.STOPPED,
    };

    private async Task<(string Name, string State)> ReadPowerAsync(MoRef vm, CancellationToken cancellationToken)
    {
        var content = await _collector.RetrieveOneAsync(vm, ["name", "runtime.powerState"], cancellationToken);
        return (content.Text("name") ?? vm.Value, content.Text("runtime.powerState") ?? "unknown");
    }

    /// <summary>
    /// A stop through the guest OS takes as long as the guest does: poll until the state is
    /// reached or <paramref name="limit"/> passes (504).
    /// </summary>
    private async Task WaitForStateAsync(MoRef vm, GuestState wanted, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var current = GuestMapping.State((await ReadPowerAsync(vm, cancellationToken)).State).State;
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

    /// <summary>Starts a <c>*_Task</c> method on <paramref name="target"/> and waits for the task to end.</summary>
    private Task<System.Xml.Linq.XElement?> RunTaskAsync(string method, MoRef target, CancellationToken cancellationToken, params System.Xml.Linq.XElement[] parameters)
        => RunTaskAsync(method, target, null, cancellationToken, parameters);

    /// <summary>
    /// Starts a <c>*_Task</c> method and waits for it, reporting its progress as the share
    /// <paramref name="share"/> of the whole work (when given and someone follows the work).
    /// </summary>
    private async Task<System.Xml.Linq.XElement?> RunTaskAsync(string method, MoRef target, TaskShare? share, CancellationToken cancellationToken, params System.Xml.Linq.XElement[] parameters)
    {
        var reporter = share is { Followed: true } ? share : null;
        reporter?.Report(0);
        var answer = await _session.CallAsync(method, target, cancellationToken, parameters);
        var task = MoRef.From(answer.Child("returnval") ?? throw new HypervisorErrorException($"The vSphere server answered {method} without a task."));
        var result = await _collector.WaitForTaskAsync(task, method, Policy.Timeout, cancellationToken, reporter is null ? null : reporter.Report);
        reporter?.Report(100);
        return result;
    }
}
