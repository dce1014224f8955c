namespace Simplestack.Client.Tests.Sdk;

public class EventsTests(GatewayFactory factory) : GatewayTestBase(factory)
{
    [Fact]
    public async Task Follow_yields_the_events_of_changes_and_resumes_from_an_id()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromSeconds(30));
        await using var events = Sdk.Events.FollowAsync(cancellationToken: stop.Token).GetAsyncEnumerator(stop.Token);

        // The stream is joined once its first line (a comment) is read; start the enumeration, then change something.
        var next = events.MoveNextAsync().AsTask();
        await Task.Delay(200, Ct);
        var guest = await CreateGuestAsync();
        string? createdId = null;
        while (await next)
        {
            if (events.Current.Type == "guest.created" && events.Current.GuestId == guest.Id)
            {
                Assert.Equal(guest.Name, events.Current.GuestName);
                createdId = events.Current.Id;
                break;
            }

            next = events.MoveNextAsync().AsTask();
        }

        Assert.NotNull(createdId);
        await Sdk.Power.StartAsync(guest.Id, cancellationToken: Ct);
        await foreach (var e in Sdk.Events.FollowAsync(createdId, stop.Token))
        {
            if (e.Type == "guest.state" && e.GuestId == guest.Id)
            {
                Assert.Equal("STARTED", e.State);
                break;
            }
        }
    }
}
