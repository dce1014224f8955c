using Microsoft.Extensions.Logging;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere.Inventory;

/// <summary>
/// Keeps one connection's guest list in memory, current by the PropertyCollector's
/// <c>WaitForUpdatesEx</c>, as the xen driver's is by event.from:
/// <list type="bullet">
/// <item>the first list seeds it (single-flight): a property collector of the session's own
/// (<c>CreatePropertyCollector</c>), a filter over a ContainerView of VirtualMachine and HostSystem,
/// then <c>WaitForUpdatesEx</c> from version "" answers every object as "enter" (again at once
/// while truncated). From then on lists answer from memory, with no call;</item>
/// <item>one background loop asks <c>WaitForUpdatesEx(version, 30 s)</c> again and again and applies
/// what it answers (enter, modify with the changed paths only, leave), so changes made outside the
/// gateway show within the server's delay. Its wait runs outside the call policy (it would hold a
/// slot requests need), bounded by its own timeout above the 30 s. It is the only caller of
/// WaitForUpdatesEx on its collector: two waits on one collector would share its updates;</item>
/// <item>read-your-writes: the session counts calls that may have changed the server and tasks seen
/// to end (<see cref="VimSession.CompletedWrites"/>). A list that finds more of them ended than the
/// records have caught up to asks the loop for a catch-up (ending its wait with
/// <c>CancelWaitForUpdates</c>): <c>WaitForUpdatesEx(version, 0)</c>, which answers at once with every
/// change up to now, then the VMs modified since the last catch-up read again whole (a server may
/// report a change without every path it touched: vcsim's ReconfigVM_Task does);</item>
/// <item>a re-login (the session expired: its collector went with it) or <see cref="ResyncInterval"/>
/// seeds again in place; any other failure of the loop forgets the records, logs the error's kind
/// and message (never a credential) and stops; the next seed waits a backoff (1 s doubling to a
/// minute), lists meanwhile read in bulk (RetrievePropertiesEx), as before the inventory. A server
/// that refuses the collector, the filter or the wait <see cref="Strikes"/> times in a row turns the
/// inventory off: every list reads in bulk. An unreachable server fails the list (503/504) as a bulk read would.</item>
/// </list>
/// </summary>
internal sealed partial class VSphereInventory : IAsyncDisposable
{
    public const int PollWaitSeconds = 30;
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromMinutes(10);

    /// <summary>The loop stops (and the records are forgotten) when no list was served for this long.</summary>
    public static readonly TimeSpan ActiveWindow = TimeSpan.FromMinutes(2);

    /// <summary>Refusals by the server itself (not an unreachable server) in a row before the inventory is turned off.</summary>
    public const int Strikes = 3;

    private static readonly TimeSpan MinimumPoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan CancelRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CleanupLimit = TimeSpan.FromSeconds(5);

    private readonly VimSession _session;
    private readonly PropertyCollector _collector;
    private readonly Func<CancellationToken, Task<IReadOnlyList<Guest>>> _readAll;
    private readonly TimeSpan _callTimeout;
    private readonly ILogger _logger;
    private readonly string _target;
    private readonly Lock _gate = new();
    private GuestRecords _records = new();
    private readonly CancellationTokenSource _stop = new();
    private Watch? _watch; // null: not seeded
    private long _caughtUpTo; // the write count read before the call whose answer the records reflect
    private long _catchUpWanted; // the write count a list waits for
    private bool _longWaitInFlight;
    private TaskCompletionSource _progress = NewProgress();
    private int _epoch;
    private long _lastListAt;
    private long _retryAt;
    private TimeSpan _backoff = FirstBackoff;
    private Task? _seeding;
    private Task _watching = Task.CompletedTask;
    private int _strikes;
    private int _seeds;
    private volatile bool _disabled;

    /// <summary>Where the records come from: the collector and view made for them, the version they are at, the session's logins then.</summary>
    private sealed record Watch(MoRef Collector, MoRef View, string Version, int Logins, long SeededAt);

    /// <param name="readAll">The list read in bulk, for when the inventory is off or backing off.</param>
    public VSphereInventory(VimSession session, PropertyCollector collector, Func<CancellationToken, Task<IReadOnlyList<Guest>>> readAll, TimeSpan callTimeout, ILogger logger, string target)
    {
        _session = session;
        _collector = collector;
        _readAll = readAll;
        _callTimeout = callTimeout;
        _logger = logger;
        _target = target;
    }

    /// <summary>False once the server has refused the inventory <see cref="Strikes"/> times in a row: lists read in bulk each time.</summary>
    public bool Enabled => !_disabled;

    /// <summary>Whether lists answer from memory now.</summary>
    public bool IsSeeded
    {
        get
        {
            lock (_gate)
            {
                return _watch is not null;
            }
        }
    }

    /// <summary>Seeds made so far (the first list's, resyncs, re-logins, after a failure).</summary>
    public int Seeds => Volatile.Read(ref _seeds);

    /// <summary>Whether the background loop runs (for tests: disposal leaves none).</summary>
    public bool IsWatching
    {
        get
        {
            lock (_gate)
            {
                return !_watching.IsCompleted;
            }
        }
    }

    public async Task<IReadOnlyList<Guest>> ListAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lastListAt, Environment.TickCount64);
        var wanted = _session.CompletedWrites; // every write that ended before this list must show in it
        for (var attempt = 0; attempt < 2 && !_disabled; attempt++)
        {
            if (!await EnsureSeededAsync(cancellationToken))
            {
                break;
            }

            if (Interlocked.Read(ref _caughtUpTo) < wanted && !await CatchUpAsync(wanted, cancellationToken))
            {
                break; // The loop could not catch up in time: this list reads in bulk.
            }

            lock (_gate)
            {
                if (_watch is not null)
                {
                    return _records.Guests();
                }
            }

            // Forgotten meanwhile (the loop failed): seed again, once.
        }

        return await _readAll(cancellationToken);
    }

    /// <summary>True when seeded; false when the server refused the seed or a backoff runs (this list reads in bulk).</summary>
    private async Task<bool> EnsureSeededAsync(CancellationToken cancellationToken)
    {
        Task seeding;
        lock (_gate)
        {
            if (_watch is not null)
            {
                return true;
            }

            if (_seeding is null && Environment.TickCount64 < _retryAt)
            {
                return false;
            }

            seeding = _seeding ??= Task.Run(SeedAndWatchAsync);
        }

        try
        {
            await seeding.WaitAsync(cancellationToken);
            return true;
        }
        catch (SimplestackException error) when (!IsUnreachable(error))
        {
            return false;
        }
    }

    /// <summary>
    /// Asks the loop to catch up to <paramref name="wanted"/> and waits for it, ending the loop's long
    /// wait (again each second, in case the cancel reached the server before the wait did). False when
    /// the records were forgotten or the call timeout passed.
    /// </summary>
    private async Task<bool> CatchUpAsync(long wanted, CancellationToken cancellationToken)
    {
        var started = Environment.TickCount64;
        while (Interlocked.Read(ref _caughtUpTo) < wanted)
        {
            Task progress;
            MoRef collector;
            bool waiting;
            lock (_gate)
            {
                if (_watch is null)
                {
                    return false;
                }

                _catchUpWanted = Math.Max(_catchUpWanted, wanted);
                (progress, collector, waiting) = (_progress.Task, _watch.Collector, _longWaitInFlight);
            }

            if (Environment.TickCount64 - started > _callTimeout.TotalMilliseconds)
            {
                return false;
            }

            if (waiting)
            {
                try
                {
                    await _collector.CancelWaitAsync(collector, cancellationToken);
                }
                catch (SimplestackException)
                {
                    // The loop meets the same failure and says so; this list waits for it below.
                }
            }

            try
            {
                await progress.WaitAsync(CancelRetry, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Not answered yet: end the wait again.
            }
        }

        return true;
    }

    /// <summary>Wakes the lists waiting for a catch-up (called under the lock).</summary>
    private void Progressed()
    {
        _progress.TrySetResult();
        _progress = NewProgress();
    }

    private static TaskCompletionSource NewProgress() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Failed(Exception error)
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        var kind = error is SimplestackException s ? s.Kind.ToString() : "Cancelled";
        VSphereInventoryLog.Failed(_logger, _target, kind, error.Message);
        if (error is SimplestackException answered && !IsUnreachable(answered) && Interlocked.Increment(ref _strikes) >= Strikes && !_disabled)
        {
            _disabled = true;
            VSphereInventoryLog.Off(_logger, _target, Strikes);
        }
    }

    /// <summary>The server did not answer (gone, hung, refused the login): no reason to stop using the inventory once it is back.</summary>
    private static bool IsUnreachable(SimplestackException error)
        => error.Kind is ErrorKind.HypervisorUnavailable or ErrorKind.HypervisorTimeout or ErrorKind.Unauthorized;

    /// <summary>Stops the loop promptly (its wait is cancelled) and destroys its collector; the connection logs the session out after.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Task[] running;
        lock (_gate)
        {
            running = [_watching, _seeding ?? Task.CompletedTask];
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(CleanupLimit);
        }
        catch (Exception)
        {
            // Cancelled or failed: either way it has stopped (or will, its answer dropped).
        }

        Watch? last;
        lock (_gate)
        {
            (last, _watch) = (_watch, null);
            _records.Clear();
            Progressed();
        }

        if (last is not null && last.Logins == _session.Logins)
        {
            await _collector.DestroyCollectorQuietlyAsync(last.Collector, last.View, CleanupLimit);
        }
    }
}
