using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Simplestack.Core;
using Simplestack.Drivers.Libvirt;
using Simplestack.Server.Events;
using Simplestack.Server.Tests.Http;

namespace Simplestack.Server.Tests.Events;

/// <summary>The gateway with a short heartbeat, so a test sees one.</summary>
public sealed class EventsGatewayFactory : GatewayFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Simplestack:Events:Heartbeat"] = "00:00:00.200",
            ["Simplestack:Events:SubscriberBuffer"] = "8",
        }));
    }
}

/// <summary><c>GET /{hv}/{host}/events</c> on the test hypervisor: changes made through the gateway and directly through libvirt.</summary>
public sealed class EventsTests(EventsGatewayFactory factory) : IClassFixture<EventsGatewayFactory>
{
    private const string Base = "/test/default";
    private readonly HttpClient _client = factory.CreateClient();

    private static string UniqueName() => $"ev-{Guid.NewGuid():N}"[..15];

    private async Task<Guest> CreateAsync(string name)
    {
        var response = await _client.PostJsonAsync($"{Base}/guests", $$"""{"name": "{{name}}", "memory": 128, "cpus": 1}""");
        await response.ShouldBeAsync(HttpStatusCode.Created);
        return await response.ReadAsync<Guest>();
    }

    private async Task PowerAsync(string id, string state)
        => await (await _client.PutJsonAsync($"{Base}/guests/{id}/power", $$"""{"state": "{{state}}"}""")).ShouldBeAsync(HttpStatusCode.OK);

    private LibvirtHypervisorConnection TestConnection()
        => factory.Pool.OpenConnections.OfType<LibvirtHypervisorConnection>().Single(c => c.Target.Hypervisor == "test");

    [Fact]
    public async Task Changes_made_through_the_gateway_are_seen_in_order_with_snake_case_data()
    {
        await using var events = await SseStream.OpenAsync(_client, $"{Base}/events");
        var guest = await CreateAsync(UniqueName());

        var created = await events.NextAsync(GuestEventTypes.Created, guest.Id);
        Assert.Equal(guest.Name, created.Json.GetProperty("guest").GetProperty("name").GetString());
        Assert.Equal(created.Id, created.Json.GetProperty("id").GetString());
        Assert.True(created.Json.TryGetProperty("time", out _));

        await PowerAsync(guest.Id, "start");
        var started = await events.NextAsync(e => e.Type == GuestEventTypes.State && e.GuestId == guest.Id && e.Json.GetProperty("state").GetString() == "STARTED");
        Assert.True(started.Json.TryGetProperty("state_detail", out _));

        await PowerAsync(guest.Id, "pause");
        await events.NextAsync(e => e.Type == GuestEventTypes.State && e.GuestId == guest.Id && e.Json.GetProperty("state").GetString() == "PAUSED");

        await PowerAsync(guest.Id, "force_stop");
        await events.NextAsync(e => e.Type == GuestEventTypes.State && e.GuestId == guest.Id && e.Json.GetProperty("state").GetString() == "STOPPED");

        await (await _client.DeleteAsync($"{Base}/guests/{guest.Id}", Ct)).ShouldBeAsync(HttpStatusCode.NoContent);
        await events.NextAsync(GuestEventTypes.Deleted, guest.Id);
    }

    [Fact]
    public async Task Changes_made_directly_through_libvirt_are_seen()
    {
        await using var events = await SseStream.OpenAsync(_client, $"{Base}/events");
        var libvirt = await factory.LibvirtAsync();
        var name = UniqueName();
        using var domain = libvirt.DefineDomain(
            $"<domain type='test'><name>{name}</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>");
        var created = await events.NextAsync(e => e.Type == GuestEventTypes.Created && e.Json.GetProperty("guest").GetProperty("name").GetString() == name);

        domain.Start();
        await events.NextAsync(e => e.Type == GuestEventTypes.State && e.GuestId == created.GuestId && e.Json.GetProperty("state").GetString() == "STARTED");
        domain.Suspend();
        await events.NextAsync(e => e.Type == GuestEventTypes.State && e.GuestId == created.GuestId && e.Json.GetProperty("state").GetString() == "PAUSED");
        domain.Destroy();
        domain.Undefine();
        await events.NextAsync(GuestEventTypes.Deleted, created.GuestId);
    }

    [Fact]
    public async Task Last_Event_ID_replays_what_was_missed_and_an_unknown_one_answers_resync()
    {
        string lastId;
        var first = await CreateAsync(UniqueName());
        await using (var events = await SseStream.OpenAsync(_client, $"{Base}/events"))
        {
            var guest = await CreateAsync(UniqueName());
            lastId = (await events.NextAsync(GuestEventTypes.Created, guest.Id)).Id!;
        }

        // Missed while no stream was open (the hub keeps its feed for a while after its last subscriber).
        var missed = await CreateAsync(UniqueName());
        await PowerAsync(first.Id, "start");

        await using (var resumed = await SseStream.OpenAsync(_client, $"{Base}/events", lastId))
        {
            var replayed = await resumed.NextAsync(GuestEventTypes.Created, missed.Id);
            Assert.NotEqual(lastId, replayed.Id);
            await resumed.NextAsync(e => e.Type == GuestEventTypes.State && e.GuestId == first.Id);
        }

        foreach (var unknown in new[] { "0123456789ab-1", "nonsense", $"{lastId.Split('-')[0]}-999999999" })
        {
            await using var stale = await SseStream.OpenAsync(_client, $"{Base}/events", unknown);
            var resync = await stale.NextAsync(e => e.Type != "comment");
            Assert.Equal("resync", resync.Type);
            Assert.Equal("resync", resync.Json.GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task Fifty_subscribers_share_one_subscription_and_each_sees_a_change()
    {
        var streams = new List<SseStream>();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                streams.Add(await SseStream.OpenAsync(_client, $"{Base}/events"));
            }

            var connection = TestConnection();
            Assert.Equal(1, connection.GuestEventSubscriptions);
            Assert.Equal(50, factory.Services.GetRequiredService<EventHubs>().Find(connection)!.Subscribers);

            // Each stream holds its lease on the pooled connection: the sweeper never closes a connection with subscribers.
            Assert.True(factory.Pool.Leased >= 50, $"{factory.Pool.Leased} leases held");

            var guest = await CreateAsync(UniqueName());
            await Task.WhenAll(streams.Select(s => s.NextAsync(GuestEventTypes.Created, guest.Id)));
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_subscriber_that_does_not_read_is_dropped_with_a_final_event_and_another_keeps_receiving()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Base}/events");
        using var slow = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var quick = await SseStream.OpenAsync(_client, $"{Base}/events");
        var libvirt = await factory.LibvirtAsync();
        var domains = new List<Simplestack.Libvirt.LibvirtDomain>();
        try
        {
            // Far more than the transport holds for a client that reads nothing, plus its buffer of 8.
            // Paced by the reader that keeps up (a burst larger than a buffer drops any subscriber).
            for (var i = 0; i < 600; i++)
            {
                domains.Add(libvirt.DefineDomain(
                    $"<domain type='test'><name>{UniqueName()}</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>"));
                if (i % 4 == 3)
                {
                    var last = domains[^1].Name;
                    await quick.NextAsync(e => e.Type == GuestEventTypes.Created && e.Json.GetProperty("guest").GetProperty("name").GetString() == last);
                }
            }

            var hub = factory.Services.GetRequiredService<EventHubs>().Find(TestConnection())!;
            Assert.Equal(1, hub.Subscribers);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            limit.CancelAfter(TimeSpan.FromSeconds(30));
            var text = await new StreamReader(await slow.Content.ReadAsStreamAsync(limit.Token)).ReadToEndAsync(limit.Token);
            Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
            Assert.Contains("event: dropped\ndata: {\"type\":\"dropped\"", text[text.LastIndexOf("event: ", StringComparison.Ordinal)..], StringComparison.Ordinal);
        }
        finally
        {
            foreach (var domain in domains)
            {
                domain.Undefine();
                domain.Dispose();
            }

            // The inventory has told all of them before the next test subscribes (a burst past a buffer of 8 drops a subscriber).
            var names = domains.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < 300 && (await _client.GetAsync<List<Guest>>($"{Base}/guests")).Any(g => names.Contains(g.Name)); i++)
            {
                await Task.Delay(100, Ct);
            }
        }
    }

    [Fact]
    public async Task A_quiet_stream_carries_heartbeats()
    {
        await using var events = await SseStream.OpenAsync(_client, $"{Base}/events");
        await events.NextAsync(e => e.Comment == "heartbeat", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_driver_without_an_event_source_answers_501()
    {
        // A placeholder driver (hyperv, FeatureNotAvailable as a whole) has no event source: 501 as a
        // plain error answer, before any stream starts. A connection lacking IGuestEvents answers
        // FeatureNotImplemented through Require, as every capability route does.
        var response = await _client.GetAsync("/hyperv/h1/events", Ct);
        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
}
