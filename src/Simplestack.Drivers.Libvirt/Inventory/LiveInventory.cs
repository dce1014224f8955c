using System.Collections.Concurrent;
using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Inventory;

/// <summary>What <see cref="LiveInventory"/> reads from the hypervisor. Every method blocks (call it on a libvirt call thread).</summary>
internal interface IGuestSource
{
    /// <summary>Every guest, in one bulk read (virConnectListAllDomains + virConnectGetAllDomainStats).</summary>
    IReadOnlyList<Guest> ReadAll();

    /// <summary>One guest by UUID, or null if it no longer exists.</summary>
    Guest? ReadOne(string uuid);

    /// <summary>The addresses of a running guest (agent, leases, neighbour table).</summary>
    IReadOnlyList<string> ReadAddresses(string uuid);
}

/// <summary>
/// Keeps a <see cref="GuestInventory"/> current for one connection:
/// <list type="bullet">
/// <item>seeded by one bulk read on the first list (single-flight), after which lists answer from memory;</item>
/// <item>libvirt domain lifecycle events (define, undefine, rename, start, stop, suspend, resume...)
/// mark a guest dirty and a worker re-reads it at once, so changes made outside the gateway show
/// within milliseconds;</item>
/// <item>the gateway's own writes re-read the guest synchronously before they return
/// (<see cref="Refresh"/>, <see cref="Recorded"/>), so the very next read sees them;</item>
/// <item>addresses of running guests are refreshed every <see cref="AddressInterval"/> while lists are
/// being served, and the whole inventory is re-read every <see cref="ResyncInterval"/> as a safety
/// net for changes libvirt reports with no lifecycle event (a live balloon change, a volume resize).</item>
/// </list>
/// If events cannot be subscribed, every list reads the hypervisor (the bulk read), as without an inventory.
/// </summary>
internal sealed class LiveInventory : IAsyncDisposable
{
    public static readonly TimeSpan AddressInterval = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromSeconds(60);

    /// <summary>Background upkeep (addresses, resync) runs only while lists were served this recently.</summary>
    public static readonly TimeSpan ActiveWindow = TimeSpan.FromSeconds(30);

    private readonly IGuestSource _source;
    private readonly LibvirtCalls _calls;
    private readonly ConcurrentDictionary<string, byte> _dirty = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _seedGate = new();
    private readonly Task _events;
    private readonly Task _upkeep;
    private Task? _seeding;
    private volatile bool _tracking;
    private int _signalled;
    private long _lastListAt;
    private long _lastAddressesAt;
    private long _lastSeedAt;
    private int _bulkReads;
    private Action<GuestEvent>[] _subscribers = [];

    public LiveInventory(IGuestSource source, LibvirtCalls calls, bool eventsSubscribed)
    {
        _source = source;
        _calls = calls;
        Enabled = eventsSubscribed;
        _events = eventsSubscribed ? Task.Run(RunEventsAsync) : Task.CompletedTask;
        _upkeep = eventsSubscribed ? Task.Run(RunUpkeepAsync) : Task.CompletedTask;
        Store.Changed = Tell;
        Store.Lost = () => Publish(GuestEvent.Resync(DateTimeOffset.UtcNow));
    }

    /// <summary>Subscribers now: while there are any, upkeep runs as if lists were being served.</summary>
    public int Subscribers => Volatile.Read(ref _subscribers).Length;

    /// <summary>
    /// Adds a subscriber to the events this inventory already receives (no new libvirt
    /// registration), seeding the inventory first so that changes can be told from it.
    /// </summary>
    public async Task<IDisposable> SubscribeAsync(Action<GuestEvent> sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!Enabled)
        {
            throw new FeatureNotImplementedException("this connection receives no lifecycle events, so it has none to report");
        }

        Edit(list => [.. list, sink]);
        try
        {
            Volatile.Write(ref _lastListAt, Environment.TickCount64);
            await ListAsync(cancellationToken);
        }
        catch
        {
            Edit(list => [.. list.Where(s => !ReferenceEquals(s, sink))]);
            throw;
        }

        return new Subscription(() => Edit(list => [.. list.Where(s => !ReferenceEquals(s, sink))]));
    }

    private void Edit(Func<Action<GuestEvent>[], Action<GuestEvent>[]> change)
    {
        while (true)
        {
            var list = Volatile.Read(ref _subscribers);
            if (Interlocked.CompareExchange(ref _subscribers, change(list), list) == list)
            {
                return;
            }
        }
    }

    private void Tell(Guest? before, Guest? after)
    {
        if (Volatile.Read(ref _subscribers).Length > 0)
        {
            GuestChanges.Between(before, after, DateTimeOffset.UtcNow, Publish);
        }
    }

    private void Publish(GuestEvent e)
    {
        foreach (var sink in Volatile.Read(ref _subscribers))
        {
            sink(e);
        }
    }

    private sealed class Subscription(Action end) : IDisposable
    {
        private Action? _end = end;

        public void Dispose() => Interlocked.Exchange(ref _end, null)?.Invoke();
    }

    public GuestInventory Store { get; } = new();

    /// <summary>False when lifecycle events could not be subscribed: lists then read the hypervisor each time.</summary>
    public bool Enabled { get; }

    /// <summary>Bulk reads made so far (the first list's seed, resyncs, reseeds after a failure).</summary>
    public int BulkReads => Volatile.Read(ref _bulkReads);

    /// <summary>Every guest: from memory once seeded, else after (or, with no events, by) one bulk read.</summary>
    public Task<IReadOnlyList<Guest>> ListAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lastListAt, Environment.TickCount64);
        if (!Enabled)
        {
            return _calls.RunAsync(_source.ReadAll, cancellationToken);
        }

        return Store.IsSeeded ? Store.List() : SeedThenListAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<Guest>> SeedThenListAsync(CancellationToken cancellationToken)
    {
        while (!Store.IsSeeded)
        {
            Task seeding;
            lock (_seedGate)
            {
                seeding = _seeding ??= Task.Run(SeedAsync);
            }

            await seeding.WaitAsync(cancellationToken);
        }

        return await Store.List();
    }

    private async Task SeedAsync()
    {
        try
        {
            // From here on, events and the gateway's writes update the store; anything earlier is in the bulk read.
            _tracking = true;
            var ticket = Store.NewTicket();
            var guests = await _calls.RunAsync(_source.ReadAll, _stop.Token);
            Store.Seed(guests, ticket);
            Interlocked.Increment(ref _bulkReads);
            Volatile.Write(ref _lastSeedAt, Environment.TickCount64);
        }
        finally
        {
            lock (_seedGate)
            {
                _seeding = null;
            }
        }
    }

    /// <summary>A guest the gateway has just read with <paramref name="ticket"/> (taken before the read): recorded.</summary>
    public void Recorded(Guest guest, long ticket)
    {
        if (_tracking)
        {
            Store.Put(guest, ticket);
        }
    }

    /// <summary>
    /// Re-reads one guest now, on the calling (libvirt call) thread: called by the gateway's own
    /// writes before they return, so the next read sees their effect.
    /// </summary>
    public void Refresh(string uuid)
    {
        if (!_tracking)
        {
            return;
        }

        var ticket = Store.NewTicket();
        if (_source.ReadOne(uuid) is { } guest)
        {
            Store.Put(guest, ticket);
        }
        else
        {
            Store.Remove(uuid, ticket);
        }
    }

    /// <summary>A lifecycle event for the guest: re-read it soon (called on libvirt's event loop thread; never blocks).</summary>
    public void OnEvent(string uuid)
    {
        if (!_tracking)
        {
            return;
        }

        _dirty[uuid] = 0;
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _signal.Release();
        }
    }

    private async Task RunEventsAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(stop);
                Volatile.Write(ref _signalled, 0);
                var batch = new List<string>();
                foreach (var uuid in _dirty.Keys)
                {
                    if (_dirty.TryRemove(uuid, out _))
                    {
                        batch.Add(uuid);
                    }
                }

                if (batch.Count > 0)
                {
                    await _calls.RunAsync(() => batch.ForEach(Refresh), stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // A re-read failed (the connection broke, a timeout): what the store holds can no
                // longer be trusted, so the next list reads everything again.
                Store.Clear();
            }
        }
    }

    private async Task RunUpkeepAsync()
    {
        var stop = _stop.Token;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var now = Environment.TickCount64;
                if (!Store.IsSeeded || (Subscribers == 0 && now - Volatile.Read(ref _lastListAt) > ActiveWindow.TotalMilliseconds))
                {
                    continue;
                }

                try
                {
                    if (now - Volatile.Read(ref _lastSeedAt) >= ResyncInterval.TotalMilliseconds)
                    {
                        Volatile.Write(ref _lastSeedAt, now);
                        var ticket = Store.NewTicket();
                        var guests = await _calls.RunAsync(_source.ReadAll, stop);
                        Store.Seed(guests, ticket);
                        Interlocked.Increment(ref _bulkReads);
                    }

                    if (now - _lastAddressesAt >= AddressInterval.TotalMilliseconds)
                    {
                        _lastAddressesAt = now;
                        var running = Store.RunningIds();
                        if (running.Count > 0)
                        {
                            await _calls.RunAsync(
                                () =>
                                {
                                    foreach (var uuid in running)
                                    {
                                        Store.SetAddresses(uuid, _source.ReadAddresses(uuid));
                                    }
                                },
                                stop);
                        }
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception)
                {
                    // Upkeep is best effort; a broken connection is replaced by the pool.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_events, _upkeep).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // A call still running ends on its own; its result is dropped.
        }

        _stop.Dispose();
    }
}
