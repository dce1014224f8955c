namespace Simplestack.Core.Inventory;

// Events: told by diffing the kept records each time they move (a batch applied, a seed in place),
// only while someone subscribes. Subscribing keeps the loop running (as lists do) and seeds again
// after a failure once the backoff allows; it never adds a hypervisor subscription.
public abstract partial class KeptGuestInventory<TCursor>
{
    private Action<GuestEvent>[] _subscribers = [];
    private Dictionary<string, Guest>? _told; // the records as last told (under the gate); null: no baseline
    private IReadOnlyList<Guest>? _toldList;
    private Task _keeping = Task.CompletedTask;

    /// <summary>Subscribers now.</summary>
    public int Subscribers => Volatile.Read(ref _subscribers).Length;

    /// <summary>
    /// Adds a subscriber: seeds if needed (as a list does), then tells it every change the loop
    /// applies, on the loop's thread (<paramref name="sink"/> must not block); a <c>resync</c> when
    /// the records are forgotten (a failure: what happened until the next seed is unknown).
    /// </summary>
    public async Task<IDisposable> SubscribeAsync(Action<GuestEvent> sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (_disabled)
        {
            throw new FeatureNotImplementedException("this connection's change feed is off (the hypervisor refused it), so it has no events to report");
        }

        await ListAsync(cancellationToken);
        lock (Gate)
        {
            _subscribers = [.. _subscribers, sink];
            if (_told is null && Cursor is not null)
            {
                Baseline();
            }

            if (_keeping.IsCompleted)
            {
                _keeping = Task.Run(KeepAsync);
            }
        }

        return new Subscription(() =>
        {
            lock (Gate)
            {
                _subscribers = [.. _subscribers.Where(s => !ReferenceEquals(s, sink))];
                if (_subscribers.Length == 0)
                {
                    _told = null;
                    _toldList = null;
                }
            }
        });
    }

    /// <summary>While there are subscribers: counts as a list each second (the loop keeps running) and seeds again after a failure.</summary>
    private async Task KeepAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested && Subscribers > 0 && !_disabled)
        {
            Volatile.Write(ref _lastListAt, Environment.TickCount64);
            try
            {
                if (!IsSeeded && await EnsureSeededAsync(stop))
                {
                    lock (Gate)
                    {
                        if (_told is null && Cursor is not null)
                        {
                            Baseline();
                        }
                    }
                }

                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // An unreachable hypervisor: try again in a while, as the next list would.
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            }
        }
    }

    /// <summary>The records moved (under the gate): tell each subscriber how, against what was last told.</summary>
    private void TellChanges()
    {
        if (_subscribers.Length == 0)
        {
            return;
        }

        if (_told is null)
        {
            Baseline();
            return;
        }

        var now = KeptGuests();
        if (ReferenceEquals(now, _toldList))
        {
            return;
        }

        var time = DateTimeOffset.UtcNow;
        var next = new Dictionary<string, Guest>(now.Count, StringComparer.Ordinal);
        foreach (var guest in now)
        {
            next[guest.Id] = guest;
            _told.TryGetValue(guest.Id, out var before);
            if (!ReferenceEquals(before, guest))
            {
                GuestChanges.Between(before, guest, time, Publish);
            }
        }

        foreach (var (id, before) in _told)
        {
            if (!next.ContainsKey(id))
            {
                GuestChanges.Between(before, null, time, Publish);
            }
        }

        _told = next;
        _toldList = now;
    }

    /// <summary>The records were forgotten (under the gate): subscribers are told to list again; the next seed is the new baseline.</summary>
    private void TellLost()
    {
        if (_subscribers.Length > 0 && _told is not null)
        {
            Publish(GuestEvent.Resync(DateTimeOffset.UtcNow));
        }

        _told = null;
        _toldList = null;
    }

    private void Baseline()
    {
        _toldList = KeptGuests();
        _told = _toldList.ToDictionary(g => g.Id, StringComparer.Ordinal);
    }

    private void Publish(GuestEvent e)
    {
        foreach (var sink in _subscribers)
        {
            sink(e);
        }
    }

    private sealed class Subscription(Action end) : IDisposable
    {
        private Action? _end = end;

        public void Dispose() => Interlocked.Exchange(ref _end, null)?.Invoke();
    }
}
