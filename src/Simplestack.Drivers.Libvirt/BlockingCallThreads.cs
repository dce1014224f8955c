using System.Collections.Concurrent;

namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// Threads of their own for blocking libvirt calls, started when needed and ended after a while
/// idle. A libvirt call blocks its thread until the daemon answers; on the shared .NET thread pool,
/// a hung daemon would hold pool threads (up to the concurrency limit per connection) while the
/// pool adds replacements slowly, so every request of the process, on any target, would wait: the
/// timeouts themselves fire late (measured: 504s after 20 s instead of 5 s). Here a hung call holds
/// only a thread of its own. How many run at once is bounded by the caller (<see cref="LibvirtCalls"/>'s slots).
/// </summary>
internal sealed class BlockingCallThreads(string name)
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    // Each item makes the call and returns how to complete its task, so that the thread counts
    // itself idle again before the caller can learn the result and post its next call.
    private readonly BlockingCollection<Func<Action>> _queue = [];
    private int _idle;
    private int _queued;
    private int _threads;

    /// <summary>Threads alive now (for tests and diagnostics).</summary>
    public int Threads => Volatile.Read(ref _threads);

    /// <summary>Runs <paramref name="work"/> on one of these threads; the task completes on the thread pool.</summary>
    public Task<T> Run<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);

        // The caller's execution context goes with the call, as the thread pool's work items
        // carry it: the work's progress sink and idempotency stamp (WorkContext) and the trace.
        var context = ExecutionContext.Capture();
        Interlocked.Increment(ref _queued);
        _queue.Add(() =>
        {
            try
            {
                var result = context is null ? work() : RunIn(context, work);
                return () => completion.SetResult(result);
            }
            catch (Exception e)
            {
                return () => completion.SetException(e);
            }
        });

        // Start a thread unless enough are waiting for work; one too many is harmless (it ends when idle).
        if (Volatile.Read(ref _idle) < Volatile.Read(ref _queued))
        {
            Start();
        }

        return completion.Task;
    }

    private static T RunIn<T>(ExecutionContext context, Func<T> work)
    {
        var result = default(T)!;
        ExecutionContext.Run(context, _ => result = work(), null);
        return result;
    }

    private void Start()
    {
        Interlocked.Increment(ref _threads);
        new Thread(Loop) { IsBackground = true, Name = name }.Start();
    }

    private void Loop()
    {
        Interlocked.Increment(ref _idle);
        while (true)
        {
            if (_queue.TryTake(out var work, IdleTimeout))
            {
                Interlocked.Decrement(ref _idle);
                Interlocked.Decrement(ref _queued);
                var complete = work();
                Interlocked.Increment(ref _idle);
                complete();
                continue;
            }

            // Idle long enough. Work posted while this thread was giving up saw it as idle and
            // started no thread for itself: take it rather than leave it waiting.
            Interlocked.Decrement(ref _idle);
            if (Volatile.Read(ref _queued) > 0)
            {
                Interlocked.Increment(ref _idle);
                continue;
            }

            Interlocked.Decrement(ref _threads);
            return;
        }
    }
}
