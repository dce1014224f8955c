using System.Text.Json.Serialization;

namespace Simplestack.Core;

/// <summary>The words of an event's <c>type</c> (API.md §9).</summary>
public static class GuestEventTypes
{
    public const string Created = "guest.created";
    public const string Deleted = "guest.deleted";
    public const string State = "guest.state";
    public const string Changed = "guest.changed";

    /// <summary>The feed lost track (a failed re-read, a reseed): what was missed is unknown, list again.</summary>
    public const string Resync = "resync";
}

/// <summary>The guest an event is about: its id and name.</summary>
public sealed record GuestEventGuest(string Id, string Name);

/// <summary>
/// Something that happened to a guest on one target, whoever did it. <see cref="State"/> and
/// <see cref="StateDetail"/> are set for <c>guest.state</c> only. A <c>resync</c> carries no guest.
/// </summary>
public sealed record GuestEvent(string Type, DateTimeOffset Time, GuestEventGuest? Guest)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public GuestState? State { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StateDetail { get; init; }

    public static GuestEvent Resync(DateTimeOffset time) => new(GuestEventTypes.Resync, time, null);
}

/// <summary>
/// A connection that can report what changes on its target (the same feed that keeps its
/// inventory). Many subscribers on one connection share that one feed: subscribing adds no
/// hypervisor subscription, and keeps the feed running while the subscription lasts.
/// </summary>
[Capability(140, "events", "GET .../events")]
public interface IGuestEvents
{
    /// <summary>
    /// Starts (or joins) the feed: from when the task completes, <paramref name="sink"/> is called
    /// for every change, in order, on the feed's own thread; it must never block. Disposing the
    /// answer ends the subscription.
    /// </summary>
    Task<IDisposable> SubscribeGuestEventsAsync(Action<GuestEvent> sink, CancellationToken cancellationToken);

    /// <summary>Subscriptions held now (for tests: 50 subscribers through one hub are one).</summary>
    int GuestEventSubscriptions { get; }
}

/// <summary>The events that turn one kept record of a guest into the next (pure).</summary>
public static class GuestChanges
{
    /// <summary>
    /// Appeared → created; gone → deleted; the state word or its detail differs → state; any other
    /// field differs → changed (both may come from one change, state first).
    /// </summary>
    public static void Between(Guest? before, Guest? after, DateTimeOffset time, Action<GuestEvent> emit)
    {
        ArgumentNullException.ThrowIfNull(emit);
        if (before is null && after is null)
        {
            return;
        }

        if (before is null)
        {
            emit(new GuestEvent(GuestEventTypes.Created, time, new(after!.Id, after.Name)) { State = after.State, StateDetail = after.StateDetail });
            return;
        }

        if (after is null)
        {
            emit(new GuestEvent(GuestEventTypes.Deleted, time, new(before.Id, before.Name)));
            return;
        }

        var guest = new GuestEventGuest(after.Id, after.Name);
        if (before.State != after.State || before.StateDetail != after.StateDetail)
        {
            emit(new GuestEvent(GuestEventTypes.State, time, guest) { State = after.State, StateDetail = after.StateDetail });
        }

        if (!SameOtherFields(before, after))
        {
            emit(new GuestEvent(GuestEventTypes.Changed, time, guest));
        }
    }

    /// <summary>
    /// Every field but the state compared by value (lists by their items): records compare lists by
    /// reference, and a re-read always makes new lists.
    /// </summary>
    public static bool SameOtherFields(Guest a, Guest b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!(a.Tags ?? []).SequenceEqual(b.Tags ?? [], StringComparer.Ordinal))
        {
            return false; // tags travel beside the wire object (Guest.Tags is not serialised)
        }

        var x = Normalised(a);
        var y = Normalised(b);
        if (x == y)
        {
            return a.Ips.SequenceEqual(b.Ips, StringComparer.Ordinal);
        }

        // Other list-valued fields (added later) compare by value through their JSON.
        return a.Ips.SequenceEqual(b.Ips, StringComparer.Ordinal)
            && System.Text.Json.JsonSerializer.Serialize(x, GuestChangesJson.Default.Guest) == System.Text.Json.JsonSerializer.Serialize(y, GuestChangesJson.Default.Guest);
    }

    private static readonly IReadOnlyList<string> NoIps = [];

    private static Guest Normalised(Guest g) => g with { Ips = NoIps, Tags = null, State = GuestState.STOPPED, StateDetail = string.Empty, Applied = null };
}

[JsonSerializable(typeof(Guest))]
internal sealed partial class GuestChangesJson : JsonSerializerContext;
