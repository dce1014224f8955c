using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere.Inventory;

// The inventory's seed and its background loop: what makes and keeps the records current.
internal sealed partial class VSphereInventory
{
    private async Task SeedAndWatchAsync()
    {
        try
        {
            var epoch = Interlocked.Increment(ref _epoch);
            await SeedAsync(epoch, _stop.Token);
            lock (_gate)
            {
                _watching = Task.Run(() => WatchAsync(epoch));
            }
        }
        catch (Exception error) when (error is SimplestackException or OperationCanceledException)
        {
            Failed(error);
            throw;
        }
        finally
        {
            lock (_gate)
            {
                _seeding = null;
            }
        }
    }

    /// <summary>
    /// Replaces every record with the server's as of now, from a new collector, filter and view (the
    /// old ones destroyed). Made once more when the session logged in again meanwhile (what was made
    /// went with the old session).
    /// </summary>
    private async Task SeedAsync(int epoch, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var logins = _session.Logins;
            try
            {
                await SeedOnceAsync(epoch, cancellationToken);
                Interlocked.Increment(ref _seeds);
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
            lock (_gate)
            {
                if (epoch != _epoch || _stop.IsCancellationRequested)
                {
                    throw new OperationCanceledException("The inventory was forgotten or closed during the seed.");
                }

                old = _watch;
                _records = records;
                _watch = new Watch(collector, view, set.Version, logins, Environment.TickCount64);
                _caughtUpTo = writes; // assigned, not raised: the records are this answer now, nothing later
                Progressed();
            }

            if (old is not null && old.Logins == _session.Logins)
            {
                await _collector.DestroyCollectorQuietlyAsync(old.Collector, old.View, CleanupLimit);
            }
        }
        catch
        {
            await _collector.DestroyCollectorQuietlyAsync(collector, view, CleanupLimit);
            throw;
        }
    }

    private async Task WatchAsync(int epoch)
    {
        var stop = _stop.Token;
        while (true)
        {
            Watch watch;
            bool reseed, catchUp;
            lock (_gate)
            {
                if (epoch != _epoch || _watch is null)
                {
                    return;
                }

                watch = _watch;
                reseed = _session.Logins != watch.Logins || Environment.TickCount64 - watch.SeededAt > ResyncInterval.TotalMilliseconds;
                catchUp = _catchUpWanted > _caughtUpTo;
                _longWaitInFlight = !catchUp && !reseed;
            }

            if (Environment.TickCount64 - Volatile.Read(ref _lastListAt) > ActiveWindow.TotalMilliseconds)
            {
                await ForgetAsync(epoch, failed: false); // Nobody lists: stop watching; the next list seeds again.
                return;
            }

            try
            {
                if (reseed)
                {
                    // A new session (the old one's collector is gone) or the periodic safety net.
                    await SeedAsync(epoch, stop);
                    continue;
                }

                var writes = _session.CompletedWrites;
                var asked = Environment.TickCount64;
                var wait = catchUp ? 0 : PollWaitSeconds;
                var set = await _collector.WaitForUpdatesAsync(watch.Collector, watch.Version, wait, TimeSpan.FromSeconds(wait) + _callTimeout, stop);
                lock (_gate)
                {
                    _longWaitInFlight = false; // nothing more for a catch-up to end
                }

                await ApplyAsync(watch, set, writes, catchUp, stop);
                if (!catchUp && !set.Truncated && set.Objects.Count == 0 && Environment.TickCount64 - asked < MinimumPoll.TotalMilliseconds)
                {
                    await Task.Delay(MinimumPoll, stop); // A server that answers "nothing" at once must not be asked in a tight loop.
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (SimplestackException error) when (VimFaults.FaultOf(error)?.FaultType == "RequestCanceled")
            {
                // A list ended the wait to ask for a catch-up: the next turn makes it.
            }
            catch (SimplestackException error) when (!reseed && (VimFaults.FaultOf(error)?.FaultType == VimFaults.NotAuthenticated || _session.Logins != watch.Logins))
            {
                lock (_gate)
                {
                    if (epoch == _epoch && _watch == watch)
                    {
                        _watch = watch with { Logins = -1 }; // The session went, its collector with it: the next turn seeds again (logging in again).
                    }
                }
            }
            catch (Exception error) when (error is SimplestackException or OperationCanceledException)
            {
                Failed(error);
                await ForgetAsync(epoch, failed: true);
                return;
            }
            finally
            {
                lock (_gate)
                {
                    _longWaitInFlight = false;
                }
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
        lock (_gate)
        {
            if (_watch != watch)
            {
                return; // Reseeded or forgotten meanwhile.
            }

            var unread = _records.Apply(set.Objects);
            reread = catchUp && !set.Truncated ? [.. unread.Union(_records.TakeModified())] : unread;
            _watch = watch with { Version = set.Version };
        }

        if (reread.Count > 0)
        {
            var read = await _collector.RetrieveObjectsAsync(reread, GuestRecords.Paths, cancellationToken);
            lock (_gate)
            {
                if (_watch?.Collector != watch.Collector)
                {
                    return;
                }

                _records.Replace(reread, read);
            }
        }

        lock (_gate)
        {
            Volatile.Write(ref _strikes, 0);
            _backoff = FirstBackoff;
            if (!set.Truncated && _watch?.Collector == watch.Collector)
            {
                _caughtUpTo = Math.Max(_caughtUpTo, writes);
                Progressed();
            }
        }
    }

    /// <summary>Forgets the records and stops the loop; after a failure the next seed waits the backoff, which doubles.</summary>
    private async Task ForgetAsync(int epoch, bool failed)
    {
        Watch? old;
        lock (_gate)
        {
            if (epoch != _epoch || _watch is null)
            {
                return;
            }

            old = _watch;
            _watch = null;
            _records.Clear();
            Progressed();
            if (failed)
            {
                _retryAt = Environment.TickCount64 + (long)_backoff.TotalMilliseconds;
                _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, LastBackoff.Ticks));
            }
        }

        if (old.Logins == _session.Logins)
        {
            await _collector.DestroyCollectorQuietlyAsync(old.Collector, old.View, CleanupLimit);
        }
    }
}
