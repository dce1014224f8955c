using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere.Inventory;

// The inventory's seed and the background loop's turn: what makes and keeps the records current.
internal sealed partial class VSphereInventory
{
    /// <summary>
    /// Replaces every record with the server's as of now, from a new collector, filter and view (the
    /// old ones destroyed). Made once more when the session logged in again meanwhile (what was made
    /// went with the old session).
    /// </summary>
    protected override async Task SeedAsync(int epoch, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var logins = _session.Logins;
            try
            {
                await SeedOnceAsync(epoch, cancellationToken);
                return;
            }
            catch (SimplestackException) when (attempt == 0 && _session.Logins != logins)
            {
            }
        }
    }

    private async Task SeedOnceAsync(int epoch, CancellationToken cancellationToken)
    {
        var writes = _session.CompletedWrites;
        var collector = await _collector.CreateCollectorAsync(cancellationToken);
        var logins = _session.Logins; // the session the collector is in (the call above may have logged in again)
        var view = default(MoRef);
        try
        {
            view = await _collector.CreateViewAsync(GuestRecords.Paths.Keys, cancellationToken);
            await _collector.CreateFilterAsync(collector, view, GuestRecords.Paths, cancellationToken);
            var records = new GuestRecords();
            var set = new UpdateSet("", true, []);
            while (set.Truncated)
            {
                set = await _collector.WaitForUpdatesAsync(collector, set.Version, 0, null, cancellationToken);
                var unread = records.Apply(set.Objects);
                if (unread.Count > 0)
                {
                    records.Replace(unread, await _collector.RetrieveObjectsAsync(unread, GuestRecords.Paths, cancellationToken));
                }
            }

            records.TakeModified();
            Watch? old;
            lock (Gate)
            {
                if (epoch != Epoch || Stopping.IsCancellationRequested)
                {
                    throw new OperationCanceledException("The inventory was forgotten or closed during the seed.");
                }

                old = Cursor;
                _records = records;
                Seeded(new Watch(collector, view, set.Version, logins), writes);
            }

            if (old is not null)
            {
                await DropAsync(old);
            }
        }
        catch
        {
            await _collector.DestroyCollectorQuietlyAsync(collector, view, CleanupLimit);
            throw;
        }
    }

    /// <summary>
    /// One turn: <c>WaitForUpdatesEx</c> from the watch's version, for 30 s, or at once when a list
    /// waits for a catch-up. A cancel from such a list, or the session gone, is no failure: the next
    /// turn makes the catch-up, or seeds again.
    /// </summary>
    protected override async Task<bool> WaitForChangesAsync(Watch cursor, CancellationToken cancellationToken)
    {
        bool catchUp;
        lock (Gate)
        {
            catchUp = _catchUpWanted > CaughtUpTo;
            _longWaitInFlight = !catchUp;
        }

        try
        {
            var writes = _session.CompletedWrites;
            var wait = catchUp ? 0 : PollWaitSeconds;
            var set = await _collector.WaitForUpdatesAsync(cursor.Collector, cursor.Version, wait, TimeSpan.FromSeconds(wait) + _callTimeout, cancellationToken);
            lock (Gate)
            {
                _longWaitInFlight = false; // nothing more for a catch-up to end
            }

            await ApplyAsync(cursor, set, writes, catchUp, cancellationToken);
            return !catchUp && !set.Truncated && set.Objects.Count == 0;
        }
        catch (SimplestackException error) when (VimFaults.FaultOf(error)?.FaultType == "RequestCanceled")
        {
            return false; // A list ended the wait to ask for a catch-up: the next turn makes it.
        }
        catch (SimplestackException error) when (VimFaults.FaultOf(error)?.FaultType == VimFaults.NotAuthenticated || _session.Logins != cursor.Logins)
        {
            lock (Gate)
            {
                if (Cursor == cursor)
                {
                    Cursor = cursor with { Logins = -1 }; // The session went, its collector with it: the next turn seeds again (logging in again).
                }
            }

            return false;
        }
        finally
        {
            lock (Gate)
            {
                _longWaitInFlight = false;
            }
        }
    }

    /// <summary>
    /// Applies an answer asked from <paramref name="watch"/>'s version if the records are still there;
    /// reads again whole what it could not apply exactly and, after a catch-up, the VMs modified
    /// since the last one. Then the records reflect every write counted before the ask.
    /// </summary>
    private async Task ApplyAsync(Watch watch, UpdateSet set, long writes, bool catchUp, CancellationToken cancellationToken)
    {
        IReadOnlyCollection<MoRef> reread;
        lock (Gate)
        {
            if (Cursor != watch)
            {
                return; // Reseeded or forgotten meanwhile.
            }

            var unread = _records.Apply(set.Objects);
            reread = catchUp && !set.Truncated ? [.. unread.Union(_records.TakeModified())] : unread;
            Cursor = watch with { Version = set.Version };
        }

        if (reread.Count > 0)
        {
            var read = await _collector.RetrieveObjectsAsync(reread, GuestRecords.Paths, cancellationToken);
            lock (Gate)
            {
                if (Cursor?.Collector != watch.Collector)
                {
                    return;
                }

                _records.Replace(reread, read);
            }
        }

        lock (Gate)
        {
            Answered();
            if (!set.Truncated && Cursor?.Collector == watch.Collector)
            {
                CaughtUp(writes);
            }
        }
    }
}
