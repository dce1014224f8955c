using System.Text;
using Simplestack.Core;
using Simplestack.Server.Events;
using Simplestack.Server.Json;

namespace Simplestack.Server.Tests.Events;

/// <summary>The hub alone, fed by hand: fan-out, the ring, dropping a slow subscriber.</summary>
public sealed class EventHubTests
{
    private sealed class FakeFeed : IGuestEvents
    {
        private readonly List<Action<GuestEvent>> _sinks = [];

        public int Subscribes { get; private set; }

        public int GuestEventSubscriptions => _sinks.Count;

        public Task<IDisposable> SubscribeGuestEventsAsync(Action<GuestEvent> sink, CancellationToken cancellationToken)
        {
            Subscribes++;
            _sinks.Add(sink);
            return Task.FromResult<IDisposable>(new End(() => _sinks.Remove(sink)));
        }

        public void Raise(string name)
        {
            foreach (var sink in _sinks.ToList())
            {
                sink(new GuestEvent(GuestEventTypes.Created, DateTimeOffset.UtcNow, new GuestEventGuest(name, name)));
            }
        }

        private sealed class End(Action end) : IDisposable
        {
            public void Dispose() => end();
        }
    }

    private static EventHub Hub(FakeFeed feed, int ring = 1000, int buffer = 256, TimeSpan? linger = null)
        => new(feed, new EventsOptions { RingSize = ring, SubscriberBuffer = buffer, Linger = linger ?? TimeSpan.FromMinutes(1) }, JsonDefaults.Create());

    private static string Text(EventHub.Frame frame) => Encoding.UTF8.GetString(frame.Bytes);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static List<EventHub.Frame> Drain(EventSubscriber subscriber)
    {
        List<EventHub.Frame> frames = [];
        while (subscriber.Frames.TryRead(out var frame))
        {
            frames.Add(frame);
        }

        return frames;
    }

    [Fact]
    public async Task Fifty_subscribers_make_one_feed_subscription_and_each_gets_every_event()
    {
        var feed = new FakeFeed();
        var hub = Hub(feed);
        var subscribers = new List<EventSubscriber>();
        for (var i = 0; i < 50; i++)
        {
            subscribers.Add(await hub.JoinAsync(null, Ct));
        }

        Assert.Equal(1, feed.Subscribes);
        Assert.Equal(1, feed.GuestEventSubscriptions);
        feed.Raise("a");
        feed.Raise("b");
        foreach (var subscriber in subscribers)
        {
            var frames = Drain(subscriber);
            Assert.Equal(2, frames.Count);
            Assert.Contains("event: guest.created\ndata: {", Text(frames[0]), StringComparison.Ordinal);
            Assert.Contains("\"guest\":{\"id\":\"b\",\"name\":\"b\"}", Text(frames[1]), StringComparison.Ordinal);
            subscriber.Dispose();
        }
    }

    [Fact]
    public async Task A_slow_subscriber_is_dropped_and_the_others_keep_receiving()
    {
        var feed = new FakeFeed();
        var hub = Hub(feed, buffer: 4);
        using var slow = await hub.JoinAsync(null, Ct);
        using var quick = await hub.JoinAsync(null, Ct);
        var received = 0;
        for (var i = 0; i < 20; i++)
        {
            feed.Raise($"g{i}");
            received += Drain(quick).Count;
        }

        Assert.Equal(20, received);
        Assert.True(slow.Dropped);
        Assert.Equal(4, Drain(slow).Count);
        Assert.True(slow.Frames.Completion.IsCompleted);
        Assert.False(quick.Dropped);
        Assert.Equal(1, hub.Subscribers);
    }

    [Fact]
    public async Task The_ring_replays_after_a_known_id_and_answers_resync_for_one_it_no_longer_holds()
    {
        var feed = new FakeFeed();
        var hub = Hub(feed, ring: 5);
        using var first = await hub.JoinAsync(null, Ct);
        for (var i = 0; i < 8; i++)
        {
            feed.Raise($"g{i}");
        }

        var ids = Drain(first).Select(f => Text(f).Split('\n')[0]["id: ".Length..]).ToList();
        Assert.Equal(8, ids.Count);

        using var resumed = await hub.JoinAsync(ids[5], Ct);
        Assert.Equal(2, resumed.Replay.Count);
        Assert.StartsWith($"id: {ids[6]}\n", Text(resumed.Replay[0]), StringComparison.Ordinal);

        using var latest = await hub.JoinAsync(ids[7], Ct);
        Assert.Empty(latest.Replay);

        using var tooOld = await hub.JoinAsync(ids[1], Ct);
        Assert.StartsWith("event: resync\n", Text(Assert.Single(tooOld.Replay)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_the_last_subscriber_lingers_out_the_feed_stops_and_old_ids_answer_resync()
    {
        var feed = new FakeFeed();
        var hub = Hub(feed, linger: TimeSpan.FromMilliseconds(50));
        string id;
        using (var subscriber = await hub.JoinAsync(null, Ct))
        {
            feed.Raise("a");
            id = Text(Drain(subscriber)[0]).Split('\n')[0]["id: ".Length..];
        }

        for (var i = 0; i < 100 && feed.GuestEventSubscriptions > 0; i++)
        {
            await Task.Delay(20, Ct);
        }

        Assert.Equal(0, feed.GuestEventSubscriptions);
        using var again = await hub.JoinAsync(id, Ct);
        Assert.Equal(2, feed.Subscribes);
        Assert.StartsWith("event: resync\n", Text(Assert.Single(again.Replay)), StringComparison.Ordinal);
    }
}
