extern alias XenSimulator;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Simplestack.Server.Tests.Hostile;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// The hostile-input suite's values (<see cref="HostileInputs"/>) over every target route of
/// <c>docs/openapi.json</c>, on <c>/xen/127.0.0.1:PORT</c> against the simulator: every path
/// parameter, query parameter, header set, malformed body and body field. No answer may be a 5xx
/// but 501, and 501 only as FeatureNotImplemented from the xen driver (a capability it lacks) or
/// FeatureNotAvailable (what Xen cannot do);
/// errors are JSON without internals; nothing is logged at Error; and the simulated pool holds
/// exactly the VMs, disks, networks, VBDs and VIFs it held (what a request was allowed to create,
/// a 201 with a Location, is deleted through the API at once and must delete cleanly).
/// </summary>
public sealed class XenHostileTests
{
    /// <summary>A bound on the run (a deterministic sample of the field values when there are more).</summary>
    private const int MaxRequests = 6_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Classes = ["VM", "VDI", "network", "VBD", "VIF"];

    [Fact]
    public async Task Every_xen_route_survives_hostile_input_with_no_5xx_but_501_for_what_the_driver_lacks()
    {
        await using var simulator = await XenApiSimulator.StartAsync(new SimulatorOptions { SlaveListener = false, AsyncTaskDelay = TimeSpan.Zero }, Ct);
        var logs = new LogCapture();
        await using var gateway = XenGateway.Start(simulator, new Dictionary<string, string?> { ["Simplestack:XenApi:CallTimeoutSeconds"] = "20" }, logs);
        using var client = XenGateway.Client(gateway);
        var root = XenGateway.Base(simulator);

        var ids = new Dictionary<string, string>
        {
            ["guestId"] = "web-01",
            ["storageId"] = await DriverHostileSweep.FirstIdAsync(client, $"{root}/storages"),
            ["networkId"] = await DriverHostileSweep.FirstIdAsync(client, $"{root}/networks"),
            ["hostId"] = await DriverHostileSweep.FirstIdAsync(client, $"{root}/hosts"),
        };
        var before = Snapshot(simulator);

        var sweep = await DriverHostileSweep.RunAsync(client, "xen", root, ids, MaxRequests, internals: "OpaqueRef:");

        var summary = sweep.Summary("xen");
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        TestContext.Current.TestOutputHelper?.WriteLine("routes the driver lacks: " + string.Join("; ", sweep.Lacking));
        TestContext.Current.TestOutputHelper?.WriteLine("the 501 answers said: " + string.Join(" | ", sweep.NotImplementedMessages));
        File.WriteAllText(
            Path.Combine(AppContext.BaseDirectory, "xen-hostile-summary.txt"),
            $"{summary}\nroutes the driver lacks: {string.Join("; ", sweep.Lacking)}\n501 messages: {string.Join(" | ", sweep.NotImplementedMessages)}\n");
        var failures = sweep.Failures;
        Assert.True(failures.Count == 0, $"{failures.Count} bad answers, first ones:\n" + string.Join("\n", failures.DistinctBy(f => f[..f.IndexOf(']', StringComparison.Ordinal)] + f[f.IndexOf(" -> ", StringComparison.Ordinal)..][..8]).Take(40)));

        var errors = logs.Lines.Where(l => l.StartsWith(nameof(LogLevel.Error), StringComparison.Ordinal) || l.StartsWith(nameof(LogLevel.Critical), StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} lines logged at Error or above, first:\n" + string.Join("\n", errors.Take(5).Select(DriverHostileSweep.Cut)));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{root}/guests", Ct)).StatusCode);

        var after = Snapshot(simulator);
        var changed = Classes.Where(c => !before[c].SetEquals(after[c]))
            .Select(c => $"{c}: {before[c].Count} -> {after[c].Count}, new {string.Join(",", after[c].Except(before[c]).Take(5))}, gone {string.Join(",", before[c].Except(after[c]).Take(5))}")
            .ToList();
        Assert.True(changed.Count == 0, "the simulated pool changed:\n" + string.Join("\n", changed));
        Assert.Equal(1, simulator.SessionsCreated); // One pooled session served all of it.
    }

    private static Dictionary<string, HashSet<string>> Snapshot(XenApiSimulator simulator)
        => Classes.ToDictionary(c => c, c => simulator.Uuids(c).ToHashSet(StringComparer.Ordinal));
}
