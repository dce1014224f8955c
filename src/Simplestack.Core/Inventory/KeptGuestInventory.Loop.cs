namespace Simplestack.Core.Inventory;

// The seed and the background loop: when the hooks run, and what a failure of the feed does.
public abstract partial class KeptGuestInventory<TCursor>
{
    private async Task SeedAndWatchAsync()
    {
        try
        {
            var epoch = Interlocked.Increment(ref _epoch);
            await SeedCountedAsync(epoch);
            lock (Gate)
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
            lock (Gate)
            {
                _seeding = null;
            }
        }
    }

    private async Task SeedCountedAsync(int epoch)
    {
        await SeedAsync(epoch, _stop.Token);
        Interlocked.Increment(ref _seeds);
    }

    private async Task WatchAsync(int epoch)
    {
        var stop = _stop.Token;
        while (true)
        {
            TCursor cursor;
            bool reseed;
            lock (Gate)
            {
                if (epoch != _epoch || Cursor is null)
                {
                    return;
                }

                cursor = Cursor;
                reseed = IsStale(cursor) || Environment.TickCount64 - _seededAt > ResyncInterval.TotalMilliseconds;
            }

            if (Environment.TickCount64 - Volatile.Read(ref _lastListAt) > ActiveWindow.TotalMilliseconds)
            {
                await ForgetAsync(epoch); // Nobody lists: stop watching; the next list seeds again.
                return;
            }

            try
            {
                if (reseed)
                {
                    // A new session (what the old one made is not to be trusted) or the periodic safety net.
                    await SeedCountedAsync(epoch);
                    continue;
                }

                var asked = Environment.TickCount64;
                if (await WaitForChangesAsync(cursor, stop) && Environment.TickCount64 - asked < MinimumPoll.TotalMilliseconds)
                {
                    await Task.Delay(MinimumPoll, stop); // A feed that answers "nothing" at once must not be asked in a tight loop.
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is SimplestackException or OperationCanceledException)
            {
                var dropped = Forget(epoch, failed: true);
                Failed(error);
                await DropIfAnyAsync(dropped);
                return;
            }
        }
    }

    /// <summary>Forgets the records under the gate; after a failure the next seed waits the backoff, which doubles. Answers the cursor to drop.</summary>
    private TCursor? Forget(int epoch, bool failed)
    {
        lock (Gate)
        {
            if (epoch != _epoch || Cursor is null)
            {
                return null;
            }

            var old = Cursor;
            Cursor = null;
            ClearRecords();
            Move();
            TellLost();
            if (failed)
            {
                _retryAt = Environment.TickCount64 + (long)_backoff.TotalMilliseconds;
                _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _lastBackoff.Ticks));
            }

            return old;
        }
    }

    private async Task DropIfAnyAsync(TCursor? cursor)
    {
        if (cursor is not null)
        {
            await DropAsync(cursor);
        }
    }

    private void Failed(Exception error)
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        var kind = error is SimplestackException s ? s.Kind.ToString() : "Cancelled";
        LogFailed(kind, error.Message);
        if (error is SimplestackException answered && !IsUnreachable(answered) && Interlocked.Increment(ref _strikes) >= Strikes && !_disabled)
        {
            _disabled = true;
            LogOff(Strikes);
        }
    }
}
