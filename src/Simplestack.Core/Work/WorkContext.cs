using Simplestack.Core.Idempotency;

namespace Simplestack.Core.Work;

/// <summary>
/// What a request asks of the work it starts, beyond its arguments: where to report progress and
/// which idempotency key to stamp on what it makes. It travels with the calls the way
/// <see cref="System.Diagnostics.Activity.Current"/> does (an <see cref="AsyncLocal{T}"/>), so the
/// few drivers' steps that report or stamp read it without every operation of every capability
/// taking two more parameters. Without a context (a plain request, a test calling a driver) both
/// are absent and the work is the same.
/// </summary>
/// <remarks>
/// Work a driver hands to threads of its own must carry the execution context there (libvirt's
/// blocking-call threads do), else the context is lost.
/// </remarks>
public sealed class WorkContext
{
    private static readonly AsyncLocal<WorkContext?> Ambient = new();

    /// <summary>The context of the work running on this call path; null outside one.</summary>
    public static WorkContext? Current => Ambient.Value;

    /// <summary>Where progress goes; null when nobody follows it.</summary>
    public IProgress<WorkProgress>? Progress { get; init; }

    /// <summary>The idempotency key and body of the request, to record on what the work makes; null without a key.</summary>
    public IdempotencyStamp? Idempotency { get; init; }

    /// <summary>Makes <paramref name="context"/> current until the answer is disposed (restoring the one before).</summary>
    public static IDisposable Begin(WorkContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var previous = Ambient.Value;
        Ambient.Value = context;
        return new Restore(previous);
    }

    /// <summary>Reports progress of the current work, if anyone follows it; the percentage is clamped to 0-100.</summary>
    public static void Report(double percent, string phase)
    {
        if (Current?.Progress is { } progress)
        {
            progress.Report(new WorkProgress(double.IsNaN(percent) ? 0 : Math.Clamp(percent, 0, 100), phase));
        }
    }

    /// <summary>
    /// Reports the part <paramref name="done"/> of <paramref name="total"/> of one step that is
    /// itself the share <paramref name="from"/>..<paramref name="to"/> of the whole work.
    /// </summary>
    public static void Report(long done, long total, double from, double to, string phase)
        => StepReporter(from, to, phase)?.Invoke(done, total);

    /// <summary>
    /// The reporter of one step (the share <paramref name="from"/>..<paramref name="to"/> of the
    /// whole work), taking the step's done and total parts; it may be called from any thread (a
    /// timer's, a driver's own). Null when nobody follows the current work.
    /// </summary>
    public static Action<long, long>? StepReporter(double from, double to, string phase)
    {
        if (Current?.Progress is not { } progress)
        {
            return null;
        }

        return (done, total) =>
        {
            var share = total > 0 ? Math.Clamp((double)done / total, 0, 1) : 0;
            progress.Report(new WorkProgress(Math.Clamp(from + (share * (to - from)), 0, 100), phase));
        };
    }

    private sealed class Restore(WorkContext? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
