using Simplestack.Core;
using Simplestack.Server.Endpoints;

namespace Simplestack.Server.Tests.Unit;

/// <summary>
/// <c>wait_for=ip</c> is woken by the driver's events: with a clock that never moves, only a change
/// of the guest ends a pause, so an answer proves the event did it.
/// </summary>
public class GuestWaitUnitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_change_of_the_guest_ends_the_pause_and_its_address_is_answered()
    {
        var connection = new BootingGuest();
        var waiting = GuestWait.ForIpAsync(connection, "vm1", TimeSpan.FromMinutes(5), new FrozenTime(), Ct);
        await connection.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // Another guest's change does not end the pause, nor does time (frozen).
        connection.Tell("other");
        await Task.Delay(300, Ct);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, connection.Reads);

        connection.Ip = "192.0.2.7";
        connection.Tell("vm1");
        var guest = await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal("192.0.2.7", guest.Ip);
        Assert.Equal(0, connection.GuestEventSubscriptions); // the wait's subscription ended with it
    }

    private sealed class BootingGuest : IHypervisorConnection, IGuestEvents
    {
        private Action<GuestEvent>? _sink;

        public TaskCompletionSource Subscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile string? Ip;

        public int Reads;

        public HypervisorTarget Target { get; } = new("fake", "host");

        public bool IsAlive => true;

        public int GuestEventSubscriptions => _sink is null ? 0 : 1;

        public void Tell(string id) => _sink?.Invoke(new GuestEvent(GuestEventTypes.Changed, DateTimeOffset.UtcNow, new GuestEventGuest(id, id)));

        public Task<IDisposable> SubscribeGuestEventsAsync(Action<GuestEvent> sink, CancellationToken cancellationToken)
        {
            _sink = sink;
            Subscribed.TrySetResult();
            return Task.FromResult<IDisposable>(new Unsubscribe(() => _sink = null));
        }

        public Task<Guest> GetGuestAsync(string guestId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Reads);
            var ip = Ip;
            return Task.FromResult(new Guest("vm1", "vm1", 1, 128, 0, false, false, ip, ip is null ? [] : [ip], GuestState.STARTED, "running", "host"));
        }

        public Task<PoolInfo> GetPoolInfoAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<HostInfo>> ListHostsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<HostInfo> GetHostAsync(string hostId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<Guest>> ListGuestsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private sealed class Unsubscribe(Action action) : IDisposable
        {
            public void Dispose() => action();
        }
    }

    /// <summary>A clock that never moves: its timers never fire.</summary>
    private sealed class FrozenTime : TimeProvider
    {
        public override long GetTimestamp() => 0;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NeverFires();

        private sealed class NeverFires : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
