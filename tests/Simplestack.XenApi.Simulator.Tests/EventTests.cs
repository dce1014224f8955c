using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Simplestack.XenApi.Simulator.Tests;

/// <summary>event.from as xapi_event.ml serves it, at the edges a watcher depends on.</summary>
public sealed class EventTests : IAsyncLifetime
{
    private XenApiSimulator _simulator = null!;
    private Rpc _rpc = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _simulator = await XenApiSimulator.StartAsync(new SimulatorOptions { SlaveListener = false }, Ct);
        _rpc = new Rpc(_simulator);
    }

    public async ValueTask DisposeAsync()
    {
        _rpc.Dispose();
        await _simulator.DisposeAsync();
    }

    private async Task<string> TokenAsync(string session, params string[] classes)
        => (await _rpc.ResultAsync("event.from", session, classes, "", 0.0))!["token"]!.GetValue<string>();

    [Fact]
    public async Task A_wait_ends_with_session_invalid_as_soon_as_its_session_expires()
    {
        var session = await _rpc.LoginAsync();
        var token = await TokenAsync(session, "vm");
        var watch = Stopwatch.StartNew();
        var waiting = _rpc.CallAsync("event.from", [session, new[] { "vm" }, token, 25.0]);
        while (!waiting.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(20) && _simulator.Calls("event.from") < 2)
        {
            await Task.Delay(20, Ct);
        }

        _simulator.ExpireSessions();
        var answer = await waiting;

        Assert.Equal("SESSION_INVALID", answer["error"]!["message"]!.GetValue<string>());
        Assert.Equal(session, answer["error"]!["data"]![0]!.GetValue<string>());
        Assert.InRange(watch.Elapsed.TotalSeconds, 0, 20); // woken by the expiry, not by its 25 s timeout
    }

    [Fact]
    public async Task Del_events_carry_no_snapshot_and_objects_made_and_destroyed_after_the_token_are_not_reported()
    {
        var session = await _rpc.LoginAsync();
        var network = (await _rpc.ResultAsync("network.create", session, new { name_label = "old" }))!.GetValue<string>();
        var token = await TokenAsync(session, "network");
        var brief = (await _rpc.ResultAsync("network.create", session, new { name_label = "brief" }))!.GetValue<string>();
        await _rpc.ResultAsync("network.destroy", session, brief);
        await _rpc.ResultAsync("network.destroy", session, network);

        var answer = await _rpc.ResultAsync("event.from", session, new[] { "network" }, token, 0.0);

        var change = Assert.Single(answer!["events"]!.AsArray())!.AsObject();
        Assert.Equal("del", change["operation"]!.GetValue<string>());
        Assert.Equal(network, change["ref"]!.GetValue<string>());
        Assert.False(change.ContainsKey("snapshot"), change.ToJsonString());
        Assert.Equal(System.Text.Json.JsonValueKind.String, change["id"]!.GetValueKind()); // xapi sends the generation as a string
    }

    [Fact]
    public async Task Stopping_the_pool_ends_a_pending_wait_at_once()
    {
        var simulator = await XenApiSimulator.StartAsync(new SimulatorOptions { SlaveListener = false }, Ct);
        using var rpc = new Rpc(simulator);
        var session = await rpc.LoginAsync();
        var token = (await rpc.ResultAsync("event.from", session, new[] { "vm" }, "", 0.0))!["token"]!.GetValue<string>();
        var waiting = rpc.CallAsync("event.from", [session, new[] { "vm" }, token, 60.0]);
        while (simulator.Calls("event.from") < 2)
        {
            await Task.Delay(20, Ct);
        }

        var watch = Stopwatch.StartNew();
        await simulator.DisposeAsync();

        Assert.InRange(watch.Elapsed.TotalSeconds, 0, 10); // not held by the 60 s wait
        JsonObject? answer = null;
        try
        {
            answer = await waiting;
        }
        catch (HttpRequestException)
        {
            // The connection dropped, as a killed xapi's would.
        }

        Assert.True(answer is null || !answer.ContainsKey("result"), answer?.ToJsonString());
    }

    [Fact]
    public async Task Calls_are_counted_by_method()
    {
        var session = await _rpc.LoginAsync();
        var before = _simulator.Calls("VM.get_all_records");

        await _rpc.ResultAsync("VM.get_all_records", session);
        await _rpc.ResultAsync("VM.get_all_records", session);

        Assert.Equal(before + 2, _simulator.Calls("VM.get_all_records"));
        Assert.Equal(1, _simulator.Calls("session.login_with_password"));
    }
}
