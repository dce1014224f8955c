extern alias XenSimulator;

using System.Threading.Channels;
using Simplestack.Core;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>The xen connection's events, told from the records event.from keeps: changes another client makes are seen.</summary>
public sealed class XenEventsTests : SimulatedXenTest
{
    private RawXenApi _admin = null!;

    protected override SimulatorOptions Options => new() { SlaveListener = false };

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _admin = new RawXenApi(Simulator);
    }

    public override async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await base.DisposeAsync();
    }

    private static async Task<GuestEvent> NextAsync(ChannelReader<GuestEvent> events, Func<GuestEvent, bool> match)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        await foreach (var e in events.ReadAllAsync(limit.Token))
        {
            if (match(e))
            {
                return e;
            }
        }

        throw new InvalidOperationException("the feed ended");
    }

    [Fact]
    public async Task Changes_made_by_another_client_are_told_and_two_subscribers_share_the_one_feed()
    {
        var events = Channel.CreateUnbounded<GuestEvent>();
        var other = Channel.CreateUnbounded<GuestEvent>();
        using var subscription = await Xen.SubscribeGuestEventsAsync(e => events.Writer.TryWrite(e), Ct);
        using var second = await Xen.SubscribeGuestEventsAsync(e => other.Writer.TryWrite(e), Ct);
        Assert.Equal(2, Xen.GuestEventSubscriptions);
        var waits = Simulator.Calls("event.from");

        var build = await _admin.VmAsync("build-01");
        var clone = (await _admin.CallAsync("VM.clone", build, "made-elsewhere"))!.GetValue<string>();
        var created = await NextAsync(events.Reader, e => e.Type == GuestEventTypes.Created && e.Guest?.Name == "made-elsewhere");
        await _admin.CallAsync("VM.destroy", clone);
        await NextAsync(events.Reader, e => e.Type == GuestEventTypes.Deleted && e.Guest?.Id == created.Guest!.Id);

        await _admin.CallAsync("VM.start", build, false, false);
        var started = await NextAsync(events.Reader, e => e.Type == GuestEventTypes.State && e.Guest?.Name == "build-01");
        Assert.Equal(GuestState.STARTED, started.State);
        await NextAsync(other.Reader, e => e.Type == GuestEventTypes.State && e.Guest?.Name == "build-01");

        await _admin.CallAsync("VM.set_name_label", await _admin.VmAsync("web-01"), "web-renamed");
        await NextAsync(events.Reader, e => e.Type == GuestEventTypes.Changed && e.Guest?.Name == "web-renamed");

        // One event.from wait at a time however many subscribers (the waits go one after another).
        Assert.InRange(Simulator.Calls("event.from") - waits, 1, 40);
    }
}
