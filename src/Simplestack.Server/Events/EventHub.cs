using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Simplestack.Core;

namespace Simplestack.Server.Events;

/// <summary>
/// The events of one pooled connection, fanned out to every subscriber: one subscription to the
/// connection's feed however many subscribers there are, a bounded ring of recent events for
/// <c>Last-Event-ID</c>, and a bounded buffer per subscriber (a full one drops that subscriber,
/// never slowing the others). Each event is formatted once, as the SSE frame every subscriber sends.
/// Ids are <c>{epoch}-{sequence}</c>: the epoch is drawn at random each time the hub (re)starts its
/// feed, so an id from before a gap, from another hub or another gateway process is recognised as
/// unknown and answered with <c>resync</c>.
/// </summary>
public sealed class EventHub
{
    private readonly IGuestEvents _source;
    private readonly EventsOptions _options;
    private readonly JsonSerializerOptions _json;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _feedGate = new(1, 1);
    private readonly Frame[] _ring;
    private readonly List<EventSubscriber> _subscribers = [];
    private IDisposable? _feed;
    private string _epoch = NewEpoch();
    private long _sequence;
    private int _count;
    private int _start;
    private long _lingerGeneration;

    public EventHub(IGuestEvents source, EventsOptions options, JsonSerializerOptions json)
    {
        _source = source;
        _options = options;
        _json = json;
        _ring = new Frame[Math.Max(1, options.RingSize)];
    }

    /// <summary>Subscribers now.</summary>
    public int Subscribers
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>
    /// Adds a subscriber (starting the feed if it is not running). With <paramref name="lastEventId"/>,
    /// what the ring still holds after it is replayed first, or, if the id is unknown, a <c>resync</c>.
    /// </summary>
    public async Task<EventSubscriber> JoinAsync(string? lastEventId, CancellationToken cancellationToken)
    {
        await _feedGate.WaitAsync(cancellationToken);
        try
        {
            if (_feed is null)
            {
                var feed = await _source.SubscribeGuestEventsAsync(Publish, cancellationToken);
                lock (_gate)
                {
                    // A new feed: whatever happened while none ran is unknown, so earlier ids are too.
                    _epoch = NewEpoch();
                    _count = 0;
                    _start = 0;
                    _feed = feed;
                }
            }

            lock (_gate)
            {
                var subscriber = new EventSubscriber(this, _options.SubscriberBuffer, Replay(lastEventId));
                _subscribers.Add(subscriber);
                _lingerGeneration++;
                return subscriber;
            }
        }
        finally
        {
            _feedGate.Release();
        }
    }

    internal void Leave(EventSubscriber subscriber)
    {
        long generation;
        lock (_gate)
        {
            // A dropped subscriber was already removed by Publish; its leaving may still leave none.
            _subscribers.Remove(subscriber);
            if (_subscribers.Count > 0)
            {
                return;
            }

            generation = ++_lingerGeneration;
        }

        _ = StopFeedLaterAsync(generation);
    }

    private async Task StopFeedLaterAsync(long generation)
    {
        await Task.Delay(_options.Linger);
        await _feedGate.WaitAsync();
        try
        {
            IDisposable? feed;
            lock (_gate)
            {
                if (_lingerGeneration != generation || _subscribers.Count > 0)
                {
                    return;
                }

                feed = _feed;
                _feed = null;
            }

            feed?.Dispose();
        }
        finally
        {
            _feedGate.Release();
        }
    }

    /// <summary>Called by the connection's feed, in order, on its thread: ring it, hand it to each subscriber (never waiting).</summary>
    private void Publish(GuestEvent e)
    {
        lock (_gate)
        {
            var sequence = ++_sequence;
            var frame = Format($"{_epoch}-{sequence}", e);
            frame = frame with { Sequence = sequence };
            if (_count < _ring.Length)
            {
                _ring[(_start + _count++) % _ring.Length] = frame;
            }
            else
            {
                _ring[_start] = frame;
                _start = (_start + 1) % _ring.Length;
            }

            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                if (!_subscribers[i].Offer(frame))
                {
                    _subscribers.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Under the gate: the frames after <paramref name="lastEventId"/>, or a resync frame if it is unknown; none without an id.</summary>
    private List<Frame> Replay(string? lastEventId)
    {
        if (string.IsNullOrEmpty(lastEventId))
        {
            return [];
        }

        var dash = lastEventId.LastIndexOf('-');
        var oldest = _count == 0 ? _sequence + 1 : _ring[_start].Sequence;
        if (dash > 0
            && lastEventId.AsSpan(0, dash).SequenceEqual(_epoch)
            && long.TryParse(lastEventId.AsSpan(dash + 1), System.Globalization.NumberStyles.None, null, out var seen)
            && seen <= _sequence
            && seen >= oldest - 1)
        {
            List<Frame> replay = [];
            for (var i = 0; i < _count; i++)
            {
                var frame = _ring[(_start + i) % _ring.Length];
                if (frame.Sequence > seen)
                {
                    replay.Add(frame);
                }
            }

            return replay;
        }

        return [Format(null, GuestEvent.Resync(DateTimeOffset.UtcNow))];
    }

    private Frame Format(string? id, GuestEvent e)
    {
        var data = JsonSerializer.Serialize(
            new EventBody(id, e.Type, e.Time, e.Guest) { State = e.State, StateDetail = e.StateDetail }, _json);
        var text = new StringBuilder(data.Length + 64);
        if (id is not null)
        {
            text.Append("id: ").Append(id).Append('\n');
        }

        text.Append("event: ").Append(e.Type).Append('\n').Append("data: ").Append(data).Append("\n\n");
        return new Frame(0, Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static string NewEpoch() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));

    /// <summary>One event as sent: its sequence in the hub and its SSE bytes.</summary>
    public sealed record Frame(long Sequence, byte[] Bytes);
}

/// <summary>The JSON of an event's <c>data:</c> line (API.md §9), snake_case like the rest of the API.</summary>
public sealed record EventBody(
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Id,
    string Type,
    DateTimeOffset Time,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] GuestEventGuest? Guest)
{
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public GuestState? State { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? StateDetail { get; init; }
}

/// <summary>
/// One subscriber of a hub: the frames to replay first, then a bounded buffer the hub fills without
/// waiting. When the buffer is full the subscriber is dropped: what it holds is still sent, then a
/// final <c>dropped</c> event, and the stream ends (the client may resume with <c>Last-Event-ID</c>).
/// </summary>
public sealed class EventSubscriber : IDisposable
{
    private readonly EventHub _hub;
    private readonly Channel<EventHub.Frame> _buffer;

    internal EventSubscriber(EventHub hub, int capacity, List<EventHub.Frame> replay)
    {
        _hub = hub;
        Replay = replay;
        _buffer = Channel.CreateBounded<EventHub.Frame>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public IReadOnlyList<EventHub.Frame> Replay { get; }

    public ChannelReader<EventHub.Frame> Frames => _buffer.Reader;

    /// <summary>True once the hub dropped this subscriber for falling behind.</summary>
    public bool Dropped { get; private set; }

    /// <summary>False (and the subscriber is dropped) when its buffer is full.</summary>
    internal bool Offer(EventHub.Frame frame)
    {
        if (_buffer.Writer.TryWrite(frame))
        {
            return true;
        }

        Dropped = true;
        _buffer.Writer.TryComplete();
        return false;
    }

    public void Dispose()
    {
        _buffer.Writer.TryComplete();
        _hub.Leave(this);
    }
}
