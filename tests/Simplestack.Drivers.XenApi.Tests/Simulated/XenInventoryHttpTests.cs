extern alias XenSimulator;

using System.Text;
using System.Text.Json;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>The inventory through the real gateway: GET /guests after the first asks the pool nothing, and shows a write just answered.</summary>
public sealed class XenInventoryHttpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<Dictionary<string, string>> StatesAsync(HttpClient client, string root)
        => JsonDocument.Parse(await client.GetStringAsync($"{root}/guests", Ct)).RootElement.EnumerateArray()
            .ToDictionary(g => g.GetProperty("name").GetString()!, g => g.GetProperty("state").GetString()!);

    [Fact]
    public async Task Guest_lists_answer_from_memory_show_the_power_change_just_made_and_the_session_is_logged_out_at_the_end()
    {
        await using var simulator = await XenApiSimulator.StartAsync(new SimulatorOptions { SlaveListener = false }, Ct);
        var gateway = XenGateway.Start(simulator);
        try
        {
            using var client = XenGateway.Client(gateway);
            var root = XenGateway.Base(simulator);
            Assert.Equal("STOPPED", (await StatesAsync(client, root))["build-01"]);
            var bulk = simulator.Calls("VM.get_all_records");

            using (var body = new StringContent("""{"state":"start"}""", Encoding.UTF8, "application/json"))
            {
                using var started = await client.PutAsync($"{root}/guests/build-01/power", body, Ct);
                Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync(Ct));
            }

            Assert.Equal("STARTED", (await StatesAsync(client, root))["build-01"]);
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal("STARTED", (await StatesAsync(client, root))["build-01"]);
            }

            Assert.Equal(bulk, simulator.Calls("VM.get_all_records"));
            Assert.Equal(0, bulk);
            Assert.Equal(0, await XenGateway.CloseAndCountOpenSessionsAsync(gateway, simulator));
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task Filters_by_tag_state_and_name_answer_from_the_inventory_without_a_call_per_guest()
    {
        await using var simulator = await XenApiSimulator.StartAsync(new SimulatorOptions { SlaveListener = false }, Ct);
        var gateway = XenGateway.Start(simulator);
        try
        {
            using var client = XenGateway.Client(gateway);
            var root = XenGateway.Base(simulator);
            using (var body = new StringContent("""{"name":"web"}""", Encoding.UTF8, "application/json"))
            {
                using var tagged = await client.PostAsync($"{root}/guests/build-01/tags", body, Ct);
                Assert.True(tagged.IsSuccessStatusCode, await tagged.Content.ReadAsStringAsync(Ct));
            }

            async Task<List<string>> NamesAsync(string query)
                => [.. JsonDocument.Parse(await client.GetStringAsync($"{root}/guests?{query}", Ct)).RootElement.EnumerateArray()
                    .Select(g => g.GetProperty("name").GetString()!)];

            // The tag just added shows at once (the inventory holds VM.tags from its records).
            Assert.Equal(["build-01"], await NamesAsync("tag=web"));
            var reads = new[] { "VM.get_tags", "VM.get_record", "VM.get_all_records", "VM.get_by_uuid", "VM.get_by_name_label" }.Sum(simulator.Calls);
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal(["build-01"], await NamesAsync("tag=web&state=stopped&name=build-*"));
                Assert.Empty(await NamesAsync("tag=web&state=STARTED"));
                Assert.Empty(await NamesAsync("tag=nobody"));
            }

            Assert.Equal(reads, new[] { "VM.get_tags", "VM.get_record", "VM.get_all_records", "VM.get_by_uuid", "VM.get_by_name_label" }.Sum(simulator.Calls));
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }
}
