using System.Diagnostics.Metrics;
using System.Net;
using Simplestack.Core;

namespace Simplestack.Server.Tests.Http;

/// <summary><c>GET .../guests?state=&amp;name=&amp;tag=</c> on the test hypervisor, answered from the inventory.</summary>
public class GuestListFilterTests(GatewayFactory factory) : HttpTestBase(factory)
{
    private async Task<List<string>> NamesAsync(string query)
        => [.. (await Client.GetAsync<List<Guest>>($"{Base}/guests?{query}")).Select(g => g.Name)];

    [Fact]
    public async Task State_filters_and_is_case_insensitive()
    {
        var stopped = await CreateGuestAsync(UniqueName("flt"));
        var started = await NamesAsync("state=started");
        Assert.Contains("test", started);
        Assert.DoesNotContain(stopped.Name, started);
        Assert.Contains(stopped.Name, await NamesAsync("state=STOPPED"));
        Assert.DoesNotContain("test", await NamesAsync("state=Stopped"));
        Assert.DoesNotContain("test", await NamesAsync("state=PAUSED"));
    }

    [Theory]
    [InlineData("state=RUNNING")]
    [InlineData("state=")]
    [InlineData("state=STARTED,STOPPED")]
    [InlineData("state=STARTED&state=STOPPED")]
    [InlineData("name=a*&name=b*")]
    public async Task Another_state_word_is_400(string query)
        => await (await Client.GetAsync($"{Base}/guests?{query}", Ct)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task Name_is_an_anchored_case_sensitive_glob()
    {
        var prefix = UniqueName("glob");
        var a = await CreateGuestAsync(prefix + "-web1");
        var b = await CreateGuestAsync(prefix + "-web22");
        var c = await CreateGuestAsync(prefix + "-db1");
        Assert.Equal([a.Name, b.Name], (await NamesAsync($"name={prefix}-web*")).Order());
        Assert.Equal([a.Name], await NamesAsync($"name={prefix}-web?"));
        Assert.Equal([c.Name], await NamesAsync($"name=*{prefix[4..]}-db1"));
        Assert.Empty(await NamesAsync($"name={prefix}-WEB*"));
        Assert.Empty(await NamesAsync($"name={prefix}-web")); // anchored: a prefix alone does not match
        Assert.Equal(["test"], await NamesAsync("name=t?st"));
    }

    [Fact]
    public async Task Tag_keeps_the_guests_carrying_it_and_follows_changes_at_once()
    {
        var tag = UniqueName("tag");
        var a = await CreateGuestAsync();
        var b = await CreateGuestAsync(start: true);
        await CreateGuestAsync();
        Assert.Empty(await NamesAsync($"tag={tag}"));

        foreach (var guest in new[] { a, b })
        {
            await (await Client.PostJsonAsync($"{Base}/guests/{guest.Id}/tags", $$"""{"name": "{{tag}}"}""")).ShouldBeAsync(HttpStatusCode.Created);
        }

        Assert.Equal(new[] { a.Name, b.Name }.Order(), (await NamesAsync($"tag={tag}")).Order());
        Assert.Equal([b.Name], await NamesAsync($"tag={tag}&state=started"));
        Assert.Equal([a.Name], await NamesAsync($"tag={tag}&state=stopped&name={a.Name[..5]}*"));

        await (await Client.DeleteAsync($"{Base}/guests/{a.Id}/tags/{tag}", Ct)).ShouldBeAsync(HttpStatusCode.NoContent);
        Assert.Equal([b.Name], await NamesAsync($"tag={tag}"));
    }

    [Fact]
    public async Task Unknown_parameters_are_ignored_and_the_unfiltered_list_is_unchanged()
    {
        var plain = await (await Client.GetAsync($"{Base}/guests", Ct)).Content.ReadAsStringAsync(Ct);
        var ignored = await (await Client.GetAsync($"{Base}/guests?colour=blue&limit=1", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Equal(plain, ignored);
        Assert.DoesNotContain("\"tags\"", plain, StringComparison.Ordinal); // tags serve the filter, not the wire object
    }

    [Fact]
    public async Task Filtered_lists_ask_the_hypervisor_nothing_per_guest()
    {
        var tag = UniqueName("count");
        for (var i = 0; i < 5; i++)
        {
            var guest = await CreateGuestAsync();
            await (await Client.PostJsonAsync($"{Base}/guests/{guest.Id}/tags", $$"""{"name": "{{tag}}"}""")).ShouldBeAsync(HttpStatusCode.Created);
        }

        await NamesAsync("state=STOPPED"); // the inventory is seeded
        var operations = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == HypervisorMetrics.MeterName && instrument.Name == HypervisorMetrics.DurationName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tagged in tags)
            {
                if (tagged.Key == "operation")
                {
                    lock (operations)
                    {
                        operations.Add((string)tagged.Value!);
                    }
                }
            }
        });
        listener.Start();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(5, (await NamesAsync($"tag={tag}&state=stopped&name=*")).Count);
        }

        listener.Dispose();
        lock (operations)
        {
            // Background upkeep (addresses of running guests) may run meanwhile; nothing reads a guest or its tags.
            Assert.DoesNotContain(operations, o => o.Contains("Tag", StringComparison.Ordinal) || o.Contains("GetGuest", StringComparison.Ordinal));
            Assert.True(operations.Count < 10, $"filtered lists made hypervisor calls: {string.Join(", ", operations)}");
        }
    }
}
