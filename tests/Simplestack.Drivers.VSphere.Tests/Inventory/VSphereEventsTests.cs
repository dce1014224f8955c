using System.Threading.Channels;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Driver;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Inventory;

/// <summary>The vSphere connection's events, told from the records WaitForUpdatesEx keeps: a change made outside the gateway is seen.</summary>
public sealed class VSphereEventsTests(VcsimVpxFixture vpx) : IClassFixture<VcsimVpxFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<GuestEvent> NextAsync(ChannelReader<GuestEvent> events, Func<GuestEvent, bool> match)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(InventoryVcsimTests.Bound);
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
    public async Task A_power_change_made_outside_is_told_as_a_state_event()
    {
        using var outside = await OutsideClient.LoginAsync(vpx.Vcsim, Ct);
        await using var connection = await VcsimConnection.OpenAsync(vpx.Vcsim, cancellationToken: Ct);
        var events = Channel.CreateUnbounded<GuestEvent>();
        using var subscription = await connection.SubscribeGuestEventsAsync(e => events.Writer.TryWrite(e), Ct);
        Assert.Equal(1, connection.GuestEventSubscriptions);

        await outside.RunTaskAsync("DC0_H0_VM1", "PowerOffVM_Task", Ct);
        var stopped = await NextAsync(events.Reader, e => e.Type == GuestEventTypes.State && e.Guest?.Name == "DC0_H0_VM1");
        Assert.Equal(GuestState.STOPPED, stopped.State);

        await outside.RunTaskAsync("DC0_H0_VM1", "PowerOnVM_Task", Ct);
        var started = await NextAsync(events.Reader, e => e.Type == GuestEventTypes.State && e.Guest?.Name == "DC0_H0_VM1");
        Assert.Equal(GuestState.STARTED, started.State);
        Assert.Equal(1, connection.Inventory.Seeds);
    }
}
