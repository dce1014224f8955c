using Simplestack.Core.Work;

namespace Simplestack.Drivers.VSphere;

/// <summary>
/// One step's part of a long work's progress: the step's own 0-100 (a vSphere task's
/// <c>info.progress</c>, an upload's bytes) reported as <c>from</c>..<c>to</c> of the whole, under
/// <c>phase</c>, to the sink of the work current when it was made (an upload's reads may run on
/// other threads); never going back (vcsim gives no task progress: its steps jump from 0 to 100)
/// and at most once per percent.
/// </summary>
internal sealed class TaskShare(double from, double to, string phase)
{
    private readonly IProgress<WorkProgress>? _sink = WorkContext.Current?.Progress;
    private readonly Lock _gate = new();
    private double _reported = -1;

    public static TaskShare Whole(string phase) => new(0, 100, phase);

    /// <summary>Whether anyone follows the work (else nothing is worth reading for it).</summary>
    public bool Followed => _sink is not null;

    /// <summary>Reports the step at <paramref name="percent"/> of itself.</summary>
    public void Report(int percent) => Report(percent, 100);

    /// <summary>Reports the step at <paramref name="done"/> of <paramref name="total"/>.</summary>
    public void Report(long done, long total)
    {
        if (_sink is null)
        {
            return;
        }

        var share = total > 0 ? Math.Clamp((double)done / total, 0, 1) : 0;
        var percent = Math.Clamp(from + (share * (to - from)), 0, 100);
        lock (_gate)
        {
            if (percent <= _reported || (percent - _reported < 1 && percent < to))
            {
                return;
            }

            _reported = percent;
            _sink.Report(new WorkProgress(percent, phase));
        }
    }
}
