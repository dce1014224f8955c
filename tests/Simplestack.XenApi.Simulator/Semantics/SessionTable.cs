using Simplestack.XenApi.Simulator.Model;
using Simplestack.XenApi.Simulator.Protocol;
using Simplestack.XenApi.Simulator.Store;

namespace Simplestack.XenApi.Simulator.Semantics;

/// <summary>
/// Sessions as xapi keeps them: a session object per login, SESSION_INVALID once logged out or
/// idle past the lifetime, and counts (open now, made in total, open per originator) so tests can
/// see leaks. Callers hold the store's lock.
/// </summary>
internal sealed class SessionTable(ObjectStore store, SimulatorOptions options, TimeProvider clock)
{
    private readonly Dictionary<string, DateTimeOffset> _lastActive = new(StringComparer.Ordinal);
    private readonly List<string> _made = [];
    private long _created;

    public int Open => _lastActive.Count;
    public long Created => _created;

    /// <summary>Every session ref made since start, open or not.</summary>
    public IReadOnlyList<string> Made => [.. _made];

    public IReadOnlyDictionary<string, int> OpenByOriginator =>
        store.All("session").GroupBy(s => (string?)s.Record["originator"] ?? "")
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    public string Login(string user, string password, string originator, string master)
    {
        if (user != options.User || password != options.Password)
        {
            throw new XenApiException(ErrorCodes.SESSION_AUTHENTICATION_FAILED, user, "Authentication failure");
        }
        var session = store.Create("session", new()
        {
            ["this_host"] = master,
            ["last_active"] = clock.GetUtcNow().UtcDateTime,
            ["validation_time"] = clock.GetUtcNow().UtcDateTime,
            ["originator"] = originator,
            ["is_local_superuser"] = true,
            ["auth_user_name"] = user,
        });
        _lastActive[session] = clock.GetUtcNow();
        _created++;
        _made.Add(session);
        return session;
    }

    /// <summary>Checks a session handle and marks it used; SESSION_INVALID [handle] otherwise.</summary>
    public void Validate(string session)
    {
        if (!_lastActive.TryGetValue(session, out var last))
        {
            throw new XenApiException(ErrorCodes.SESSION_INVALID, session);
        }
        if (clock.GetUtcNow() - last > options.SessionIdleLifetime)
        {
            Logout(session);
            throw new XenApiException(ErrorCodes.SESSION_INVALID, session);
        }
        _lastActive[session] = clock.GetUtcNow();
    }

    /// <summary>Whether a session is logged in (neither logged out nor expired); marks nothing.</summary>
    public bool IsOpen(string session) => _lastActive.ContainsKey(session);

    public void Logout(string session)
    {
        if (_lastActive.Remove(session))
        {
            store.Destroy("session", session);
        }
    }

    public void ExpireAll()
    {
        foreach (var session in _lastActive.Keys.ToList())
        {
            Logout(session);
        }
    }
}
