using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Server.Logging;

namespace Simplestack.Server.Connections;

/// <summary>
/// Pooled hypervisor connections, keyed by <see cref="ConnectionKey"/>. A connection is
/// thread-safe and shared by concurrent requests; concurrent first requests for one key open one
/// connection; a failed connect is not kept; a connection that is no longer alive is replaced on
/// the next request; idle ones are closed by <see cref="EvictIdleAsync"/> (called by
/// <see cref="ConnectionPoolSweeper"/>) except for shared targets; the total is bounded, closing the
/// least recently used idle connection first. Nothing is opened until a request asks.
/// </summary>
public sealed class ConnectionPool : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<ConnectionKey, Entry> _entries = [];
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConnectionPoolOptions _options;
    private readonly ILogger<ConnectionPool> _logger;
    private readonly TimeProvider _time;
    private bool _disposed;
    private long _connectsStarted;

    public ConnectionPool(IOptions<ConnectionPoolOptions> options, ILogger<ConnectionPool> logger, TimeProvider time)
    {
        _options = options.Value;
        _logger = logger;
        _time = time;
        if (_options.MaxConnections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Simplestack:Connections:MaxConnections must be at least 1.");
        }
    }

    /// <summary>Pooled entries, including connections still being opened.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Connections the pool has begun to open since it started, failed ones included.</summary>
    public long ConnectsStarted => Interlocked.Read(ref _connectsStarted);

    /// <summary>Leases held by requests now (connections in use; one connection may serve several).</summary>
    public int Leased
    {
        get
        {
            lock (_gate)
            {
                return _entries.Values.Sum(e => e.Leases);
            }
        }
    }

    /// <summary>The most connections the pool keeps (<see cref="ConnectionPoolOptions.MaxConnections"/>).</summary>
    public int Capacity => _options.MaxConnections;

    /// <summary>The connections that are open now (for diagnostics and tests).</summary>
    public IReadOnlyList<IHypervisorConnection> OpenConnections
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries.Values.Where(e => e.Connecting.IsCompletedSuccessfully).Select(e => e.Connecting.Result)];
            }
        }
    }

    /// <summary>
    /// A lease on a connection for the target that is already open and alive, or null (then use
    /// <see cref="AcquireAsync"/>). The common case of every request after the first, without the
    /// asynchronous path's allocations.
    /// </summary>
    public ConnectionLease? TryAcquireOpen(IHypervisorDriver driver, HypervisorTarget target, HypervisorCredentials? credentials)
        => TryAcquireOpen(ConnectionKey.For(target, credentials, driver.IsSharedTarget(target)));

    /// <inheritdoc cref="TryAcquireOpen(IHypervisorDriver, HypervisorTarget, HypervisorCredentials?)"/>
    /// <param name="key">The target's key (<see cref="ConnectionKey.For"/>), when the caller keeps it.</param>
    public ConnectionLease? TryAcquireOpen(ConnectionKey key)
    {
        lock (_gate)
        {
            if (_disposed || !_entries.TryGetValue(key, out var entry) || !entry.Connecting.IsCompletedSuccessfully
                || !IsAlive(entry.Connecting.Result))
            {
                return null;
            }

            entry.Leases++;
            entry.LastUsed = _time.GetTimestamp();
            return new ConnectionLease(this, entry, entry.Connecting.Result);
        }
    }

    /// <summary>
    /// A connection for the target, opened if needed. Dispose the lease when the request is done
    /// with it (the connection stays pooled).
    /// </summary>
    public Task<ConnectionLease> AcquireAsync(
        IHypervisorDriver driver, HypervisorTarget target, HypervisorCredentials? credentials, CancellationToken cancellationToken)
        => AcquireAsync(ConnectionKey.For(target, credentials, driver.IsSharedTarget(target)), driver, target, credentials, cancellationToken);

    /// <inheritdoc cref="AcquireAsync(IHypervisorDriver, HypervisorTarget, HypervisorCredentials?, CancellationToken)"/>
    /// <param name="key">The target's key (<see cref="ConnectionKey.For"/>), when the caller keeps it.</param>
    public async Task<ConnectionLease> AcquireAsync(
        ConnectionKey key, IHypervisorDriver driver, HypervisorTarget target, HypervisorCredentials? credentials, CancellationToken cancellationToken)
    {
        var shared = driver.IsSharedTarget(target);
        for (var attempt = 0; ; attempt++)
        {
            Entry entry;
            List<Entry>? retired = null;
            var checkedAlive = false;
            lock (_gate)
            {
                if (_disposed)
                {
                    throw new HypervisorUnavailableException("The gateway is shutting down.");
                }

                if (_entries.TryGetValue(key, out var existing) && existing.Connecting.IsCompleted
                    && (!existing.Connecting.IsCompletedSuccessfully || !IsAlive(existing.Connecting.Result)))
                {
                    _entries.Remove(key);
                    if (existing.Connecting.IsCompletedSuccessfully)
                    {
                        Log.ConnectionReplaced(_logger, key.ToString());
                        (retired ??= []).Add(existing);
                    }

                    existing = null;
                }

                // An open entry was just found alive: no need to ask again below.
                checkedAlive = existing is not null && existing.Connecting.IsCompletedSuccessfully;
                if (existing is null)
                {
                    if (_entries.Count >= _options.MaxConnections)
                    {
                        var victim = _entries.Values
                            .Where(e => e.Leases == 0 && !e.Shared && e.Connecting.IsCompleted)
                            .MinBy(e => e.LastUsed);
                        if (victim is null)
                        {
                            Log.PoolFull(_logger, _options.MaxConnections);
                            throw new HypervisorUnavailableException(
                                $"The gateway has reached its limit of {_options.MaxConnections} hypervisor connections, all in use; try again shortly.");
                        }

                        _entries.Remove(victim.Key);
                        Log.ConnectionEvicted(_logger, victim.Key.ToString());
                        (retired ??= []).Add(victim);
                    }

                    existing = new Entry(key, shared, _time.GetTimestamp());
                    existing.Connecting = Connect(existing, driver, target, credentials);
                    _entries[key] = existing;
                }

                existing.Leases++;
                existing.LastUsed = _time.GetTimestamp();
                entry = existing;
            }

            if (retired is not null)
            {
                await RetireAsync(retired);
            }

            IHypervisorConnection connection;
            try
            {
                connection = await entry.Connecting.WaitAsync(cancellationToken);
            }
            catch
            {
                Release(entry);
                throw;
            }

            if (checkedAlive || IsAlive(connection))
            {
                return new ConnectionLease(this, entry, connection);
            }

            Release(entry);
            if (attempt > 0)
            {
                throw new HypervisorUnavailableException($"The connection to {target} closed as soon as it was opened.");
            }
        }
    }

    /// <summary>
    /// Closes connections unused for <see cref="ConnectionPoolOptions.IdleTimeout"/> (never those
    /// of shared targets) and those that are no longer alive. Returns how many were closed.
    /// </summary>
    public async Task<int> EvictIdleAsync()
    {
        List<Entry> retired = [];
        lock (_gate)
        {
            foreach (var entry in _entries.Values)
            {
                if (entry.Leases > 0 || !entry.Connecting.IsCompleted)
                {
                    continue;
                }

                var dead = !entry.Connecting.IsCompletedSuccessfully || !IsAlive(entry.Connecting.Result);
                var idle = !entry.Shared && _time.GetElapsedTime(entry.LastUsed) >= _options.IdleTimeout;
                if (dead || idle)
                {
                    retired.Add(entry);
                }
            }

            foreach (var entry in retired)
            {
                _entries.Remove(entry.Key);
                if (entry.Connecting.IsCompletedSuccessfully)
                {
                    Log.ConnectionClosedIdle(_logger, entry.Key.ToString());
                }
            }
        }

        await RetireAsync(retired);
        return retired.Count(e => e.Connecting.IsCompletedSuccessfully);
    }

    public async ValueTask DisposeAsync()
    {
        List<Entry> all;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            all = [.. _entries.Values];
            _entries.Clear();
        }

        await _shutdown.CancelAsync();
        foreach (var entry in all)
        {
            try
            {
                await entry.Connecting;
            }
            catch
            {
                // A connect that failed or was cancelled by the shutdown has nothing to close.
            }
        }

        await RetireAsync(all);
        _shutdown.Dispose();
    }

    internal void Release(Entry entry)
    {
        lock (_gate)
        {
            entry.Leases--;
            entry.LastUsed = _time.GetTimestamp();
        }
    }

    private Task<IHypervisorConnection> Connect(Entry entry, IHypervisorDriver driver, HypervisorTarget target, HypervisorCredentials? credentials)
    {
        Interlocked.Increment(ref _connectsStarted);
        var shutdown = _shutdown.Token;
        var timeout = _options.ConnectTimeout;
        var task = Task.Run(async () =>
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
            cts.CancelAfter(timeout);
            var connecting = driver.ConnectAsync(target, credentials, cts.Token);
            try
            {
                var connection = await connecting.WaitAsync(cts.Token);
                Log.ConnectionOpened(_logger, target.ToString());
                return connection;
            }
            catch (HypervisorErrorException error)
            {
                // Not being able to open a connection (no socket, refused, reset) is an unreachable
                // hypervisor (503), not an answer from it (502).
                throw new HypervisorUnavailableException($"Could not connect to {target}: {error.Message}", error);
            }
            catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
            {
                CloseWhenDone(connecting, target);
                throw new HypervisorTimeoutException($"Connecting to {target} did not finish within {timeout.TotalSeconds:0} seconds.");
            }
            catch (OperationCanceledException)
            {
                CloseWhenDone(connecting, target);
                throw new HypervisorUnavailableException("The gateway is shutting down.");
            }
        });

        // A failed connect is not kept: the next request tries again.
        _ = task.ContinueWith(
            t =>
            {
                var error = t.Exception?.GetBaseException();
                var kind = error is SimplestackException s ? s.Kind.ToString() : error?.GetType().Name ?? "Cancelled";
                Log.ConnectFailed(_logger, target.ToString(), kind, error is SimplestackException ? error.Message : null);
                lock (_gate)
                {
                    if (_entries.TryGetValue(entry.Key, out var current) && ReferenceEquals(current, entry))
                    {
                        _entries.Remove(entry.Key);
                    }
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.NotOnRanToCompletion,
            TaskScheduler.Default);
        return task;
    }

    private void CloseWhenDone(Task<IHypervisorConnection> connecting, HypervisorTarget target)
        => _ = connecting.ContinueWith(
            async t =>
            {
                try
                {
                    await t.Result.DisposeAsync();
                }
                catch (Exception e)
                {
                    Log.ConnectionCloseFailed(_logger, e, target.ToString());
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion,
            TaskScheduler.Default);

    private async Task RetireAsync(IEnumerable<Entry> entries)
    {
        foreach (var entry in entries)
        {
            if (!entry.Connecting.IsCompleted)
            {
                _ = entry.Connecting.ContinueWith(
                    t => t.Result.DisposeAsync().AsTask(),
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnRanToCompletion,
                    TaskScheduler.Default);
                continue;
            }

            if (!entry.Connecting.IsCompletedSuccessfully)
            {
                continue;
            }

            try
            {
                await entry.Connecting.Result.DisposeAsync();
            }
            catch (Exception e)
            {
                Log.ConnectionCloseFailed(_logger, e, entry.Key.ToString());
            }
        }
    }

    private static bool IsAlive(IHypervisorConnection connection)
    {
        try
        {
            return connection.IsAlive;
        }
        catch
        {
            return false;
        }
    }

    internal sealed class Entry(ConnectionKey key, bool shared, long created)
    {
        public ConnectionKey Key { get; } = key;

        public bool Shared { get; } = shared;

        public Task<IHypervisorConnection> Connecting { get; set; } = null!;

        public int Leases { get; set; }

        public long LastUsed { get; set; } = created;
    }
}

/// <summary>A request's use of a pooled connection; disposing it returns the connection to the pool.</summary>
public sealed class ConnectionLease : IAsyncDisposable, IDisposable
{
    private readonly ConnectionPool _pool;
    private readonly ConnectionPool.Entry _entry;
    private int _released;

    internal ConnectionLease(ConnectionPool pool, ConnectionPool.Entry entry, IHypervisorConnection connection)
    {
        _pool = pool;
        _entry = entry;
        Connection = connection;
    }

    public IHypervisorConnection Connection { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _pool.Release(_entry);
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
