using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt.Inventory;

/// <summary>
/// The guests of one connection, in memory, so a list answers without asking the hypervisor.
/// Pure: no libvirt here. Whoever reads a guest from the hypervisor takes a ticket
/// (<see cref="NewTicket"/>) <em>before</em> reading and hands the result in with it; an entry is
/// only ever replaced by a read that started later. So a slow read that began before a change
/// (an event's refresh racing a write of the gateway's own) can never overwrite what a read
/// made after the change put there. Removals leave a short-lived tombstone carrying their ticket
/// for the same reason. Thread-safe; the list itself is an immutable snapshot rebuilt only after
/// a change.
/// </summary>
internal sealed class GuestInventory
{
    /// <summary>How long a removed guest's tombstone outlives it (far longer than any libvirt call may take).</summary>
    public static readonly TimeSpan TombstoneLifetime = TimeSpan.FromMinutes(5);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Func<long> _now;
    private long _lastTicket;
    private long _version;
    private Snapshot _snapshot = new(-1, Task.FromResult<IReadOnlyList<Guest>>([]));
    private volatile bool _seeded;

    public GuestInventory(Func<long>? millisecondClock = null) => _now = millisecondClock ?? (() => Environment.TickCount64);

    /// <summary>
    /// Told, under the inventory's lock (so in order), of each guest whose kept record changes once
    /// seeded: before (null: it appeared) and after (null: it is gone). Must not block. Null: nobody asks.
    /// </summary>
    public Action<Guest?, Guest?>? Changed { get; set; }

    /// <summary>Told when the inventory forgets everything (<see cref="Clear"/>): changes until the next seed are unknown.</summary>
    public Action? Lost { get; set; }

    /// <summary>True once a bulk read has filled the inventory (<see cref="Seed"/>); until then there is nothing to answer from.</summary>
    public bool IsSeeded => _seeded;

    /// <summary>Guests listed now (tombstones excluded).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Values.Count(e => e.Guest is not null);
            }
        }
    }

    /// <summary>Take one before reading from the hypervisor; hand it in with what was read.</summary>
    public long NewTicket() => Interlocked.Increment(ref _lastTicket);

    /// <summary>Records a guest as read with <paramref name="ticket"/>; false if a later read already recorded it (or its removal).</summary>
    public bool Put(Guest guest, long ticket)
    {
        ArgumentNullException.ThrowIfNull(guest);
        lock (_gate)
        {
            if (_entries.TryGetValue(guest.Id, out var existing) && existing.Ticket > ticket)
            {
                return false;
            }

            // Answers carry "applied" only for the update that made them, never in a list.
            var kept = guest.Applied is null ? guest : guest with { Applied = null };
            _entries[guest.Id] = new Entry(kept, ticket, 0);
            _version++;
            Tell(existing?.Guest, kept);
            return true;
        }
    }

    /// <summary>Records that the guest no longer exists, as read with <paramref name="ticket"/>.</summary>
    public bool Remove(string uuid, long ticket)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(uuid, out var existing) && existing.Ticket > ticket)
            {
                return false;
            }

            _entries[uuid] = new Entry(null, ticket, _now());
            _version++;
            Tell(existing?.Guest, null);
            return true;
        }
    }

    /// <summary>
    /// Replaces the whole inventory with a bulk read made with <paramref name="ticket"/>: guests
    /// not in it are removed, except those a later read recorded meanwhile.
    /// </summary>
    public void Seed(IEnumerable<Guest> guests, long ticket)
    {
        ArgumentNullException.ThrowIfNull(guests);
        var now = _now();
        lock (_gate)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var guest in guests)
            {
                seen.Add(guest.Id);
                if (!_entries.TryGetValue(guest.Id, out var existing) || existing.Ticket <= ticket)
                {
                    _entries[guest.Id] = new Entry(guest, ticket, 0);
                    Tell(existing?.Guest, guest);
                }
            }

            List<string>? gone = null;
            foreach (var (uuid, entry) in _entries)
            {
                var missing = !seen.Contains(uuid) && entry.Ticket < ticket && entry.Guest is not null;
                var expired = entry.Guest is null && now - entry.RemovedAt > TombstoneLifetime.TotalMilliseconds;
                if (missing || expired)
                {
                    (gone ??= []).Add(uuid);
                }
            }

            foreach (var uuid in gone ?? [])
            {
                if (_entries[uuid].Guest is null)
                {
                    _entries.Remove(uuid);
                }
                else
                {
                    Tell(_entries[uuid].Guest, null);
                    _entries[uuid] = new Entry(null, ticket, now);
                }
            }

            _version++;
            _seeded = true;
        }
    }

    /// <summary>Replaces the addresses of a guest still listed; its other fields and ticket stay.</summary>
    public void SetAddresses(string uuid, IReadOnlyList<string> addresses)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(uuid, out var entry) && entry.Guest is { } guest && !guest.Ips.SequenceEqual(addresses))
            {
                var kept = guest with { Ip = addresses.FirstOrDefault(), Ips = addresses };
                _entries[uuid] = entry with { Guest = kept };
                _version++;
                Tell(guest, kept);
            }
        }
    }

    /// <summary>Forgets everything: the next list needs a new bulk read.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            var wasSeeded = _seeded;
            _seeded = false;
            _entries.Clear();
            _version++;
            if (wasSeeded)
            {
                Lost?.Invoke();
            }
        }
    }

    /// <summary>Every listed guest, ordered by name, as a completed task (the same instance until something changes).</summary>
    public Task<IReadOnlyList<Guest>> List()
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot.Version == Interlocked.Read(ref _version))
        {
            return snapshot.Guests;
        }

        lock (_gate)
        {
            if (_snapshot.Version != _version)
            {
                IReadOnlyList<Guest> guests = [.. _entries.Values
                    .Select(e => e.Guest)
                    .OfType<Guest>()
                    .OrderBy(g => g.Name, StringComparer.Ordinal)
                    .ThenBy(g => g.Id, StringComparer.Ordinal)];
                Volatile.Write(ref _snapshot, new Snapshot(_version, Task.FromResult(guests)));
            }

            return _snapshot.Guests;
        }
    }

    /// <summary>The listed guests' ids whose state is not STOPPED (for address look-ups).</summary>
    public IReadOnlyList<string> RunningIds()
    {
        lock (_gate)
        {
            return [.. _entries.Values.Where(e => e.Guest is { State: not GuestState.STOPPED }).Select(e => e.Guest!.Id)];
        }
    }

    /// <summary>Only between seeded states: the first seed is the starting point, not a change.</summary>
    private void Tell(Guest? before, Guest? after)
    {
        if (_seeded && Changed is { } changed && !ReferenceEquals(before, after))
        {
            changed(before, after);
        }
    }

    private sealed record Entry(Guest? Guest, long Ticket, long RemovedAt);

    private sealed record Snapshot(long Version, Task<IReadOnlyList<Guest>> Guests);
}
