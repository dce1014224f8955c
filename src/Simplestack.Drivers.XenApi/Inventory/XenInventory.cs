using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Simplestack.Core;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi.Inventory;

/// <summary>
/// Keeps one connection's guest list in memory, current by XenAPI's <c>event.from</c>:
/// <list type="bullet">
/// <item>the first list seeds it (single-flight) with one call, <c>event.from(classes, "", 0)</c>,
/// which answers every record of <see cref="GuestRecords.Classes"/> as "add" and the token they
/// are current at; from then on lists answer from memory, with no call;</item>
/// <item>a background loop asks <c>event.from(classes, token, 30 s)</c> again and again and applies
/// each batch, so changes made outside the gateway show within the pool's event delay; it runs
/// outside the call policy (its wait would hold a slot requests need) and only while lists are
/// being served;</item>
/// <item>read-your-writes: the session counts the calls that may have changed the pool
/// (<see cref="XenApiSession.CompletedWrites"/>). A list that finds more of them ended than the
/// records have caught up to first asks <c>event.from(classes, token, 0)</c> once, which answers
/// at once with every change up to now, the gateway's own writes included. So no write path
/// needs a hook, and one call covers whatever a write touched (VBDs, VDIs, a clone's new VM);</item>
/// <item>a batch is applied only if it starts from the token the records are at (a compare and
/// swap), so a long wait that answers after a catch-up or a resync cannot set the records back;</item>
/// <item>any failure of the loop (the pool gone, EVENTS_LOST, a token refused) forgets the records:
/// the next list reads the pool again; a re-login (SESSION_INVALID) or <see cref="ResyncInterval"/>
/// reseeds in place; a pool that keeps refusing event.from leaves the inventory off, and every
/// list then reads the pool (the bulk reads), as without it.</item>
/// </list>
/// </summary>
internal sealed class XenInventory : IAsyncDisposable
{
    public static readonly TimeSpan PollWait = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MinimumPoll = TimeSpan.FromSeconds(1);

    /// <summary>The loop stops (and the records are forgotten) when no list was served for this long.</summary>
    public static readonly TimeSpan ActiveWindow = TimeSpan.FromMinutes(2);

    /// <summary>Failures answered by the pool itself (not an unreachable pool) in a row before the inventory is turned off.</summary>
    public const int Strikes = 3;

    private readonly XenApiSession _session;
    private readonly Func<CancellationToken, Task<IReadOnlyList<Guest>>> _readAll;
    private readonly TimeSpan _callTimeout;
    private readonly ILogger _logger;
    private readonly string _target;
    private readonly Lock _gate = new();
    private readonly GuestRecords _records = new();
    private readonly SemaphoreSlim _catchUp = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private string? _token; // null: not seeded
    private long _caughtUpTo; // the write count read before the call whose answer the records reflect
    private int _epoch;
    private int _loginsAtSeed;
    private long _seededAt;
    private long _lastListAt;
    private Task? _seeding;
    private Task _watching = Task.CompletedTask;
    private int _strikes;
    private int _seeds;
    private volatile bool _disabled;

    /// <param name="readAll">The list read from the pool, for when the inventory is off.</param>
    public XenInventory(XenApiSession session, Func<CancellationToken, Task<IReadOnlyList<Guest>>> readAll, TimeSpan callTimeout, ILogger logger, string target)
    {
        _session = session;
        _readAll = readAll;
        _callTimeout = callTimeout;
        _logger = logger;
        _target = target;
    }

    /// <summary>False once the pool has refused event.from <see cref="Strikes"/> times in a row: lists read the pool each time.</summary>
    public bool Enabled => !_disabled;

    /// <summary>Whether lists answer from memory now.</summary>
    public bool IsSeeded
    {
        get
        {
            lock (_gate)
            {
                return _token is not null;
            }
        }
    }

    /// <summary>Seeds made so far (the first list's, resyncs, re-logins, after a failure).</summary>
    public int Seeds => Volatile.Read(ref _seeds);

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

            if (Interlocked.Read(ref _caughtUpTo) < wanted)
            {
                try
                {
                    await CatchUpAsync(wanted, cancellationToken);
                }
                catch (SimplestackException error) when (!IsUnreachable(error))
                {
                    break; // The pool answered the catch-up with an error: this list reads it the old way.
                }
            }

            lock (_gate)
            {
                if (_token is not null)
                {
                    return _records.Guests();
                }
            }

            // Forgotten meanwhile (the loop failed): seed again, once.
        }

        return await _readAll(cancellationToken);
    }

    /// <summary>True when seeded; false when the pool refused the seed (this list reads it the old way).</summary>
    private async Task<bool> EnsureSeededAsync(CancellationToken cancellationToken)
    {
        Task seeding;
        lock (_gate)
        {
            if (_token is not null)
            {
                return true;
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

    /// <summary>Replaces every record with the pool's as of now: one event.from from the empty token.</summary>
    private async Task SeedAsync(int epoch, CancellationToken cancellationToken)
    {
        var writes = _session.CompletedWrites;
        var logins = _session.Logins;
        var batch = await new XenApiCalls(_session).EventsSince(Classes(), "", cancellationToken);
        lock (_gate)
        {
            if (epoch != _epoch)
            {
                return;
            }

            _records.Clear();
            _records.Apply(batch.Events);
            _token = batch.Token;
            _caughtUpTo = writes; // assigned, not raised: the records are this answer now, nothing later
            _loginsAtSeed = logins;
            _seededAt = Environment.TickCount64;
        }

        Interlocked.Increment(ref _seeds);
    }

    /// <summary>Asks for what changed since the records' token until they reflect every write counted in <paramref name="wanted"/>.</summary>
    private async Task CatchUpAsync(long wanted, CancellationToken cancellationToken)
    {
        await _catchUp.WaitAsync(cancellationToken);
        var epoch = 0;
        try
        {
            for (var attempt = 0; Interlocked.Read(ref _caughtUpTo) < wanted; attempt++)
            {
                string? from;
                lock (_gate)
                {
                    (from, epoch) = (_token, _epoch);
                }

                if (from is null || attempt == 3)
                {
                    Forget(epoch); // Outrun three times by the loop: read everything again.
                    return;
                }

                var writes = _session.CompletedWrites;
                var batch = await new XenApiCalls(_session).EventsSince(Classes(), from, cancellationToken);
                TryApply(from, batch, writes);
            }
        }
        catch (SimplestackException)
        {
            Forget(epoch); // The write may not be in the records: nothing they hold can be answered now.
            throw;
        }
        finally
        {
            _catchUp.Release();
        }
    }

    private async Task WatchAsync(int epoch)
    {
        var stop = _stop.Token;
        var calls = new XenApiCalls(_session);
        while (true)
        {
            string? from;
            bool reseed;
            lock (_gate)
            {
                if (epoch != _epoch || _token is null)
                {
                    return;
                }

                from = _token;
                reseed = _session.Logins != _loginsAtSeed || Environment.TickCount64 - _seededAt > ResyncInterval.TotalMilliseconds;
            }

            if (Environment.TickCount64 - Volatile.Read(ref _lastListAt) > ActiveWindow.TotalMilliseconds)
            {
                Forget(epoch); // Nobody lists: stop watching; the next list seeds again.
                return;
            }

            try
            {
                if (reseed)
                {
                    // A new session (refs and tokens of the old one are not to be trusted) or the periodic safety net.
                    await SeedAsync(epoch, stop);
                    continue;
                }

                var writes = _session.CompletedWrites;
                var asked = Environment.TickCount64;
                var batch = await calls.WaitForEvents(Classes(), from, PollWait, PollWait + _callTimeout, stop);
                if (TryApply(from, batch, writes))
                {
                    Volatile.Write(ref _strikes, 0);
                }

                if (batch.Events.Count == 0 && Environment.TickCount64 - asked < MinimumPoll.TotalMilliseconds)
                {
                    await Task.Delay(MinimumPoll, stop); // A pool that answers "nothing" at once must not be asked in a tight loop.
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is SimplestackException or OperationCanceledException)
            {
                Forget(epoch);
                Failed(error);
                return;
            }
        }
    }

    /// <summary>Applies a batch asked from <paramref name="from"/> if the records are still at that token.</summary>
    private bool TryApply(string from, EventBatch batch, long writes)
    {
        lock (_gate)
        {
            if (!string.Equals(_token, from, StringComparison.Ordinal))
            {
                return false; // A catch-up or a resync got further meanwhile; the next ask starts from there.
            }

            _records.Apply(batch.Events);
            _token = batch.Token;
            _caughtUpTo = Math.Max(_caughtUpTo, writes);
            return true;
        }
    }

    private void Forget(int epoch)
    {
        lock (_gate)
        {
            if (epoch == _epoch && _token is not null)
            {
                _token = null;
                _records.Clear();
            }
        }
    }

    private void Failed(Exception error)
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        var kind = error is SimplestackException s ? s.Kind.ToString() : "Cancelled";
        XenApiLog.InventoryFailed(_logger, _target, kind, error.Message);
        if (error is SimplestackException answered && !IsUnreachable(answered) && Interlocked.Increment(ref _strikes) >= Strikes && !_disabled)
        {
            _disabled = true;
            XenApiLog.InventoryOff(_logger, _target, Strikes);
        }
    }

    /// <summary>The pool did not answer (gone, hung, refused the login): no reason to stop using events once it is back.</summary>
    private static bool IsUnreachable(SimplestackException error)
        => error.Kind is ErrorKind.HypervisorUnavailable or ErrorKind.HypervisorTimeout or ErrorKind.Unauthorized;

    private static JsonArray Classes() => [.. GuestRecords.Classes.Select(c => (JsonNode?)JsonValue.Create(c))];

    /// <summary>Stops the loop promptly (its wait is cancelled); the connection logs the session out after.</summary>
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
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // Cancelled or failed: either way it has stopped (or will, its answer dropped).
        }
    }
}
