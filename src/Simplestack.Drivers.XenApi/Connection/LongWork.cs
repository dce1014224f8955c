using Simplestack.Core;
using Simplestack.Core.Work;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// Long work (clone, provision, snapshot, disk grow) reports its progress from xapi's own: when
// somebody follows the work (WorkContext.Progress), the call is made in its Async form and its
// task's progress (0..1) is polled and reported; otherwise the plain call is made, as before, so
// a request nobody follows costs no more calls. Either way the wait is bounded by the call
// policy's timeout, as the plain call is.
public sealed partial class XenApiConnection
{
    /// <summary>The share <see cref="From"/>..<see cref="To"/> (percent) of the whole work one call is, and its word.</summary>
    private readonly record struct WorkStep(double From, double To, string Phase);

    /// <summary>
    /// Runs <paramref name="plain"/>, or, when progress is followed, <paramref name="async"/>'s task
    /// to its end with its progress reported as <paramref name="step"/>; answers the call's result
    /// (a ref, or "" for none).
    /// </summary>
    private async Task<string> FollowedAsync(
        Func<CancellationToken, Task<string>> plain, Func<CancellationToken, Task<string>> async, WorkStep step, CancellationToken cancellationToken)
    {
        if (WorkContext.Current?.Progress is null)
        {
            return await plain(cancellationToken);
        }

        WorkContext.Report(step.From, step.Phase);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_policy.Timeout);
        var task = await async(cancellationToken);
        try
        {
            var done = await WaitForTaskAsync(task, step.Phase, deadline.Token, progress => WorkContext.Report(step.From + (progress * (step.To - step.From)), step.Phase));
            WorkContext.Report(step.To, step.Phase);
            return XmlRpcValues.Strings(done.Result).FirstOrDefault() ?? "";
        }
        catch (OperationCanceledException error) when (!cancellationToken.IsCancellationRequested)
        {
            await CancelTaskQuietlyAsync(task);
            throw new HypervisorTimeoutException($"The xen hypervisor did not finish {step.Phase} within {_policy.Timeout.TotalSeconds:0} s.", error);
        }
        catch (OperationCanceledException)
        {
            await CancelTaskQuietlyAsync(task);
            throw;
        }
        finally
        {
            await ForgetTaskAsync(task);
        }
    }

    private Task<string> CloneVmAsync(string vmRef, string name, WorkStep step, CancellationToken cancellationToken)
        => FollowedAsync(ct => Call.Clone(vmRef, name, ct), ct => Call.AsyncClone(vmRef, name, ct), step, cancellationToken);

    private Task ProvisionVmAsync(string vmRef, WorkStep step, CancellationToken cancellationToken)
        => FollowedAsync(async ct => { await Call.Provision(vmRef, ct); return ""; }, ct => Call.AsyncProvision(vmRef, ct), step, cancellationToken);

    private Task<string> SnapshotVmAsync(string vmRef, string name, bool checkpoint, CancellationToken cancellationToken)
        => checkpoint
            ? FollowedAsync(ct => Call.Checkpoint(vmRef, name, ct), ct => Call.AsyncCheckpoint(vmRef, name, ct), new(0, 100, "checkpoint"), cancellationToken)
            : FollowedAsync(ct => Call.Snapshot(vmRef, name, ct), ct => Call.AsyncSnapshot(vmRef, name, ct), new(0, 100, "snapshot"), cancellationToken);

    private Task ResizeVdiAsync(string vdiRef, long bytes, CancellationToken cancellationToken)
        => FollowedAsync(async ct => { await Call.ResizeVdi(vdiRef, bytes, ct); return ""; }, ct => Call.AsyncResizeVdi(vdiRef, bytes, ct), new(0, 100, "growing disk"), cancellationToken);
}
