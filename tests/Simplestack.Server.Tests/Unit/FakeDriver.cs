using Simplestack.Core;

namespace Simplestack.Server.Tests.Unit;

/// <summary>A tiny driver for the pool's tests: counts connects, can hold, fail or hand out dead connections.</summary>
internal sealed class FakeDriver(bool shared = false) : IHypervisorDriver
{
    private int _connects;

    public string Name => "fake";

    public Type ConnectionType => typeof(FakeConnection);

    public int Connects => Volatile.Read(ref _connects);

    /// <summary>When set, connects wait for it.</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>How many of the next connects fail.</summary>
    public int FailNext { get; set; }

    public bool IgnoreCancellation { get; set; }

    public List<FakeConnection> Opened { get; } = [];

    public bool RequiresCredentials(HypervisorTarget target) => !target.IsLocal;

    public bool IsSharedTarget(HypervisorTarget target) => shared;

    public async Task<IHypervisorConnection> ConnectAsync(HypervisorTarget target, HypervisorCredentials? credentials, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _connects);
        if (Gate is { } gate)
        {
            await (IgnoreCancellation ? gate.Task : gate.Task.WaitAsync(cancellationToken));
        }

        lock (Opened)
        {
            if (FailNext > 0)
            {
                FailNext--;
                throw new HypervisorUnavailableException($"{target} is unreachable.");
            }

            var connection = new FakeConnection(target, credentials?.User);
            Opened.Add(connection);
            return connection;
        }
    }
}

internal sealed class FakeConnection(HypervisorTarget target, string? user) : IHypervisorConnection
{
    public HypervisorTarget Target { get; } = target;

    public string? User { get; } = user;

    public bool IsAlive { get; set; } = true;

    public bool Disposed { get; private set; }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        IsAlive = false;
        return ValueTask.CompletedTask;
    }

    public Task<PoolInfo> GetPoolInfoAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<HostInfo>> ListHostsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<HostInfo> GetHostAsync(string hostId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<Guest>> ListGuestsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<Guest> GetGuestAsync(string guestId, CancellationToken cancellationToken) => throw new NotSupportedException();
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks = TimeSpan.TicksPerDay;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(GetTimestamp());

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
