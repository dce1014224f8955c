namespace Simplestack.Server.Events;

/// <summary>The events stream (section <c>Simplestack:Events</c>).</summary>
public sealed class EventsOptions
{
    public const string Section = "Simplestack:Events";

    /// <summary>A comment line this often when nothing else was sent, so idle proxies keep the stream.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Events each target's hub keeps for <c>Last-Event-ID</c> resumes.</summary>
    public int RingSize { get; set; } = 1000;

    /// <summary>
    /// Events waiting to be sent to one subscriber; past it the subscriber is dropped. The buffer
    /// holds references to the hub's frames (no copies), and must absorb a burst (a resync of a
    /// large inventory tells many changes at once): as large as the ring by default.
    /// </summary>
    public int SubscriberBuffer { get; set; } = 1000;

    /// <summary>
    /// How long a hub keeps its feed after its last subscriber left, so a client reconnecting
    /// within it resumes from the ring; after it, the feed stops and older ids answer <c>resync</c>.
    /// </summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromSeconds(60);
}
