using System.Collections.Concurrent;

namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// Guests' IP addresses, remembered per connection. A list answers from here (one bulk call to
/// the hypervisor, not one address query per guest) and refreshes stale entries in the
/// background; a single-guest read asks the hypervisor and updates the entry. Addresses may so lag
/// a list by up to <see cref="MaxAge"/>.
/// </summary>
internal sealed class IpAddressBook
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (IReadOnlyList<string> Addresses, long At)> _entries = new();
    private int _refreshing;

    public IReadOnlyList<string> Get(string uuid) => _entries.TryGetValue(uuid, out var entry) ? entry.Addresses : [];

    public IReadOnlyList<string> Set(string uuid, IReadOnlyList<string> addresses)
    {
        _entries[uuid] = (addresses, Environment.TickCount64);
        return addresses;
    }

    public void Forget(string uuid) => _entries.TryRemove(uuid, out _);

    /// <summary>Looks up, one refresh at a time, the addresses of running guests whose entry is missing or stale.</summary>
    public void RefreshInBackground(IEnumerable<string> runningUuids, Func<string, IReadOnlyList<string>> lookUp)
    {
        var now = Environment.TickCount64;
        var stale = runningUuids.Where(u => !_entries.TryGetValue(u, out var e) || now - e.At > MaxAge.TotalMilliseconds).ToList();
        if (stale.Count == 0 || Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return;
        }

        _ = Task.Run(() =>
        {
            try
            {
                foreach (var uuid in stale)
                {
                    try
                    {
                        Set(uuid, lookUp(uuid));
                    }
                    catch (Simplestack.Libvirt.LibvirtException)
                    {
                        // The guest went away or the connection broke: the next list tries again.
                    }
                }
            }
            finally
            {
                Volatile.Write(ref _refreshing, 0);
            }
        });
    }
}
