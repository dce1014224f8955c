using Microsoft.Extensions.Logging;
using Simplestack.Core;
using Simplestack.Core.Inventory;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere.Inventory;

/// <summary>
/// Keeps one connection's guest list in memory, current by the PropertyCollector's
/// <c>WaitForUpdatesEx</c>, as the xen driver's is by event.from (when the calls below are made, the
/// loop, strikes, backoff and read-your-writes: <see cref="KeptGuestInventory{TCursor}"/>):
/// <list type="bullet">
/// <item>the seed: a property collector of the session's own (<c>CreatePropertyCollector</c>), a
/// filter over a ContainerView of VirtualMachine and HostSystem, then <c>WaitForUpdatesEx</c> from
/// version "" answers every object as "enter" (again at once while truncated);</item>
/// <item>the background loop asks <c>WaitForUpdatesEx(version, 30 s)</c> again and again and applies
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
/// <item>a re-login (the session expired: its collector went with it) seeds again in place; any other
/// failure of the loop forgets the records and destroys the collector; the next seed waits a backoff
/// (1 s doubling to a minute), lists meanwhile read in bulk (RetrievePropertiesEx), as before the
/// inventory. A server that refuses the collector, the filter or the wait three times in a row turns
/// the inventory off: every list reads in bulk.</item>
/// </list>
/// </summary>
/// <param name="readAll">The list read in bulk, for when the inventory is off or backing off.</param>
internal sealed partial class VSphereInventory(VimSession session, PropertyCollector collector, Func<CancellationToken, Task<IReadOnlyList<Guest>>> readAll, TimeSpan callTimeout, ILogger logger, string target)
    : KeptGuestInventory<VSphereInventory.Watch>(readAll, firstBackoff: TimeSpan.FromSeconds(1), lastBackoff: TimeSpan.FromMinutes(1))
{
    public const int PollWaitSeconds = 30;

    private static readonly TimeSpan CancelRetry = TimeSpan.FromSeconds(1);

    private readonly VimSession _session = session;
    private readonly PropertyCollector _collector = collector;
    private readonly TimeSpan _callTimeout = callTimeout;
    private GuestRecords _records = new();
    private long _catchUpWanted; // the write count a list waits for
    private bool _longWaitInFlight;

    /// <summary>Where the records come from: the collector and view made for them, the version they are at, the session's logins then.</summary>
    internal sealed record Watch(MoRef Collector, MoRef View, string Version, int Logins);

    protected override long CompletedWrites => _session.CompletedWrites;

    protected override IReadOnlyList<Guest> KeptGuests() => _records.Guests();

    protected override void ClearRecords() => _records.Clear();

    protected override bool IsStale(Watch cursor) => _session.Logins != cursor.Logins;

    /// <summary>
    /// Asks the loop to catch up to <paramref name="wanted"/> and waits for it, ending the loop's long
    /// wait (again each second, in case the cancel reached the server before the wait did). False when
    /// the records were forgotten or the call timeout passed.
    /// </summary>
    protected override async Task<bool> CatchUpAsync(long wanted, CancellationToken cancellationToken)
    {
        var started = Environment.TickCount64;
        while (CaughtUpTo < wanted)
        {
            Task moved;
            MoRef collector;
            bool waiting;
            lock (Gate)
            {
                if (Cursor is null)
                {
                    return false;
                }

                _catchUpWanted = Math.Max(_catchUpWanted, wanted);
                (moved, collector, waiting) = (Moved, Cursor.Collector, _longWaitInFlight);
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
                await moved.WaitAsync(CancelRetry, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Not answered yet: end the wait again.
            }
        }

        return true;
    }

    /// <summary>Destroys the collector and view of a forgotten or replaced watch, if its session is still the one logged in (else they went with it).</summary>
    protected override async Task DropAsync(Watch cursor)
    {
        if (cursor.Logins == _session.Logins)
        {
            await _collector.DestroyCollectorQuietlyAsync(cursor.Collector, cursor.View, CleanupLimit);
        }
    }

    protected override void LogFailed(string kind, string reason) => VSphereInventoryLog.Failed(logger, target, kind, reason);

    protected override void LogOff(int strikes) => VSphereInventoryLog.Off(logger, target, strikes);
}
