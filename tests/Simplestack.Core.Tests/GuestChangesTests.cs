using Simplestack.Core;

namespace Simplestack.Core.Tests;

/// <summary>Which events turn one kept record of a guest into the next.</summary>
public sealed class GuestChangesTests
{
    private static readonly DateTimeOffset Time = DateTimeOffset.UnixEpoch;

    private static Guest G(string name = "web", GuestState state = GuestState.STOPPED, string detail = "shutoff", int cpus = 1, params string[] ips)
        => new("id-1", name, cpus, 512, 8, true, false, ips.FirstOrDefault(), ips, state, detail, "h");

    private static List<GuestEvent> Between(Guest? before, Guest? after)
    {
        List<GuestEvent> told = [];
        GuestChanges.Between(before, after, Time, told.Add);
        return told;
    }

    [Fact]
    public void Appeared_is_created_and_gone_is_deleted()
    {
        var created = Assert.Single(Between(null, G()));
        Assert.Equal((GuestEventTypes.Created, "id-1", "web"), (created.Type, created.Guest!.Id, created.Guest.Name));
        Assert.Equal(GuestEventTypes.Deleted, Assert.Single(Between(G(), null)).Type);
        Assert.Empty(Between(null, null));
    }

    [Fact]
    public void A_state_or_its_detail_that_differs_is_a_state_event_carrying_both()
    {
        var started = Assert.Single(Between(G(), G(state: GuestState.STARTED, detail: "running")));
        Assert.Equal((GuestEventTypes.State, GuestState.STARTED, "running"), (started.Type, started.State, started.StateDetail));
        Assert.Equal(GuestEventTypes.State, Assert.Single(Between(G(), G(detail: "crashed"))).Type);
    }

    [Fact]
    public void Other_fields_are_compared_by_value_lists_by_their_items()
    {
        Assert.Empty(Between(G(ips: ["10.0.0.1"]), G(ips: ["10.0.0.1"])));
        Assert.Equal(GuestEventTypes.Changed, Assert.Single(Between(G(ips: ["10.0.0.1"]), G(ips: ["10.0.0.2"]))).Type);
        Assert.Equal(GuestEventTypes.Changed, Assert.Single(Between(G(), G(name: "web2"))).Type);
        Assert.Equal(
            [GuestEventTypes.State, GuestEventTypes.Changed],
            Between(G(), G(state: GuestState.STARTED, detail: "running", cpus: 2)).Select(e => e.Type));
        Assert.Empty(Between(G(), G() with { Applied = new Dictionary<string, string> { ["cpus"] = Applied.Live } }));
    }
}
