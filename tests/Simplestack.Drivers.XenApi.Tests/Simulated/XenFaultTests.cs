extern alias XenSimulator;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// XenAPI pool faults through the real gateway over <c>/xen/127.0.0.1:PORT/...</c>: the pool
/// stopped under load and started again on the same port, a pool that hangs, and sessions the
/// pool drops mid-traffic. Sessions are counted in the simulator, so a leak is seen where it would
/// hurt a real pool.
/// </summary>
public sealed class XenFaultTests
{
    /// <summary>How soon after the pool stops every list must answer 503 (the inventory has noticed).</summary>
    private static readonly TimeSpan NoticeWithin = TimeSpan.FromMilliseconds(200);

    private const int CallTimeoutSeconds = 2;
    private const int Slots = 4;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] Urls(XenApiSimulator simulator)
    {
        var root = XenGateway.Base(simulator);
        return [root, $"{root}/guests", $"{root}/storages", $"{root}/networks", $"{root}/hosts"];
    }

    private static Dictionary<string, string?> Settings(int callTimeoutSeconds = CallTimeoutSeconds) => new()
    {
        ["Simplestack:XenApi:CallTimeoutSeconds"] = callTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
        ["Simplestack:XenApi:MaxConcurrentCalls"] = Slots.ToString(CultureInfo.InvariantCulture),
    };

    private static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "xen-fault-summary.txt"), line + "\n");
    }

    private static string Histogram(IEnumerable<int> statuses)
        => string.Join(", ", statuses.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key}x{g.Count()}"));

    private static async Task AllSucceedAsync(HttpClient client, IEnumerable<string> urls, string when)
    {
        foreach (var url in urls)
        {
            using var response = await client.GetAsync(url, Ct);
            Assert.True(response.IsSuccessStatusCode, $"{url} {when}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }
    }

    [Fact]
    public async Task A_pool_stopped_under_load_answers_503_and_the_same_gateway_recovers_when_it_is_back_leaking_no_session()
    {
        var first = await XenApiSimulator.StartAsync(new SimulatorOptions { SlaveListener = false }, Ct);
        var port = first.Url.Port;
        var again = new SimulatorOptions { Port = port, CertificatePkcs12 = first.CertificatePkcs12, SlaveListener = false };
        var urls = Urls(first);
        var gateway = XenGateway.Start(first, Settings(callTimeoutSeconds: 5));
        XenApiSimulator? second = null;
        var firstStopped = false;
        try
        {
            using var client = XenGateway.Client(gateway);
            await AllSucceedAsync(client, urls, "before the stop");
            Assert.Equal(1, XenGateway.Pool(gateway).Count);

            // Load: 8 workers, each request timed, while the pool stops.
            var results = new ConcurrentBag<(double At, string Url, int Status, double Seconds, string Body)>();
            var clock = Stopwatch.StartNew();
            using var stopLoad = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = w; !stopLoad.IsCancellationRequested && i < w + 2_000; i++)
                {
                    var url = urls[i % urls.Length];
                    var started = clock.Elapsed.TotalSeconds;
                    try
                    {
                        using var response = await client.GetAsync(url, CancellationToken.None);
                        var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                        results.Add((started, url, (int)response.StatusCode, clock.Elapsed.TotalSeconds - started, body));
                    }
                    catch (HttpRequestException e)
                    {
                        results.Add((started, url, -1, clock.Elapsed.TotalSeconds - started, e.Message));
                    }
                }
            })).ToList();

            await Task.Delay(800, Ct);
            var stoppedAt = clock.Elapsed.TotalSeconds;
            firstStopped = true;
            await first.DisposeAsync();
            var stopped = clock.Elapsed.TotalSeconds;
            await Task.Delay(1_500, Ct);
            await stopLoad.CancelAsync();
            await Task.WhenAll(workers);

            // The kept inventory answers lists from memory until its event.from call fails: a list
            // asked in the moment between the pool's sockets closing and the loop taking the failure
            // in is still answered from memory (seen once, under a whole CI run's load). The bound
            // checked: the gateway knows the pool is gone within NoticeWithin of the stop.
            var after = results.Where(r => r.At >= stopped + NoticeWithin.TotalSeconds).ToList();
            Report($"pool stopped under load: {results.Count} requests ({Histogram(results.Select(r => r.Status))}); "
                   + $"stop took {stopped - stoppedAt:0.00} s; after it {Histogram(after.Select(r => r.Status))}; slowest {results.Max(r => r.Seconds):0.00} s");
            var unclean = results.Where(r => r.Status is not (200 or 503)).ToList();
            Assert.True(unclean.Count == 0, "answers other than 200/503:\n" + string.Join("\n", unclean.Take(10).Select(r => $"{r.Url} {r.Status} {r.Body}")));
            Assert.NotEmpty(after);
            Assert.All(after, r => Assert.Equal(503, r.Status));
            Assert.All(after, r => Assert.Contains("\"error\":\"HypervisorUnavailable\"", r.Body, StringComparison.Ordinal));
            Assert.All(results, r => Assert.InRange(r.Seconds, 0, 5 + 2)); // A refused connection is answered at once, never after the call timeout.

            // Back on the same port with the same certificate: the very next requests succeed on the
            // same gateway. The old session means nothing to the new pool: one login, on the pooled connection.
            second = await XenApiSimulator.StartAsync(again, Ct);
            await AllSucceedAsync(client, urls, "once the pool is back");
            for (var i = 0; i < 20; i++)
            {
                await AllSucceedAsync(client, [urls[i % urls.Length]], "once the pool is back");
            }

            Assert.Equal(1, XenGateway.Pool(gateway).Count);
            Assert.Equal(1, second.SessionsCreated);
            Assert.Equal(1, second.OpenSessions);
            var open = await XenGateway.CloseAndCountOpenSessionsAsync(gateway, second);
            Report($"pool back: 1 pooled connection, sessions made on the new pool {second.SessionsCreated}, open after the gateway closed {open}");
            Assert.Equal(0, open);
        }
        finally
        {
            await gateway.DisposeAsync();
            if (!firstStopped)
            {
                await first.DisposeAsync();
            }

            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_hung_pool_answers_504_within_the_call_timeout_even_past_the_slots_and_the_same_session_serves_after_it_resumes()
    {
        await using var simulator = await XenApiSimulator.StartAsync(new SimulatorOptions { SlaveListener = false }, Ct);
        // Routes that ask the pool on every request (the guest list is answered from the inventory, asserted below).
        var urls = Urls(simulator).Where(u => !u.EndsWith("/guests", StringComparison.Ordinal)).ToArray();
        var guests = $"{XenGateway.Base(simulator)}/guests";
        await using var gateway = XenGateway.Start(simulator, Settings());
        using var client = XenGateway.Client(gateway);
        await AllSucceedAsync(client, [.. urls, guests], "before the hang");
        var sessions = simulator.SessionsCreated;
        Assert.Equal(1, sessions);

        // Three times as many requests as slots: most wait for a slot behind calls that do not return.
        simulator.Pause();
        (int Status, double Seconds, string Body)[] answers;
        try
        {
            var listed = Stopwatch.StartNew();
            using (var list = await client.GetAsync(guests, Ct))
            {
                Assert.Equal(200, (int)list.StatusCode); // from memory: the hung pool is not asked
                Assert.InRange(listed.Elapsed.TotalSeconds, 0, CallTimeoutSeconds - 0.5);
            }

            answers = await Task.WhenAll(Enumerable.Range(0, 3 * Slots).Select(async i =>
            {
                var watch = Stopwatch.StartNew();
                using var response = await client.GetAsync(urls[i % urls.Length], CancellationToken.None);
                return ((int)response.StatusCode, watch.Elapsed.TotalSeconds, await response.Content.ReadAsStringAsync(CancellationToken.None));
            }));
        }
        finally
        {
            simulator.Resume();
        }

        Report($"hung pool: {answers.Length} requests for {Slots} slots: {Histogram(answers.Select(a => a.Status))}, "
               + $"{answers.Min(a => a.Seconds):0.00}-{answers.Max(a => a.Seconds):0.00} s (call timeout {CallTimeoutSeconds} s)");
        Assert.All(answers, a => Assert.True(a.Status == 504, $"{a.Status} after {a.Seconds:0.00} s: {a.Body}"));
        Assert.All(answers, a => Assert.Contains("\"error\":\"HypervisorTimeout\"", a.Body, StringComparison.Ordinal));
        Assert.All(answers, a => Assert.InRange(a.Seconds, CallTimeoutSeconds - 0.25, CallTimeoutSeconds + 2.5));

        // Resumed: the hung calls are answered and free their slots; the next requests succeed on
        // the same pooled connection and session.
        await AllSucceedAsync(client, [.. urls, guests], "after resuming");
        await AllSucceedAsync(client, [.. urls, guests], "after resuming");
        Assert.Equal(1, XenGateway.Pool(gateway).Count);
        Assert.Equal(sessions, simulator.SessionsCreated);
        Assert.Equal(1, simulator.OpenSessions);
        Assert.Equal(0, await XenGateway.CloseAndCountOpenSessionsAsync(gateway, simulator));
    }

    [Fact]
    public async Task Sessions_expired_mid_traffic_are_made_again_once_and_no_caller_sees_an_error()
    {
        await using var simulator = await XenApiSimulator.StartAsync(new SimulatorOptions { SlaveListener = false }, Ct);
        var urls = Urls(simulator);
        await using var gateway = XenGateway.Start(simulator, Settings(callTimeoutSeconds: 10));
        using var client = XenGateway.Client(gateway);
        await AllSucceedAsync(client, urls, "before the expiry");
        var before = simulator.SessionsCreated;
        var connection = Assert.IsType<XenApiConnection>(Assert.Single(XenGateway.Pool(gateway).OpenConnections));

        var statuses = new ConcurrentBag<(string Url, int Status, string Body)>();
        using var stopLoad = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            for (var i = w; !stopLoad.IsCancellationRequested && i < w + 2_000; i++)
            {
                var url = urls[i % urls.Length];
                using var response = await client.GetAsync(url, CancellationToken.None);
                statuses.Add((url, (int)response.StatusCode, await response.Content.ReadAsStringAsync(CancellationToken.None)));
            }
        })).ToList();

        await Task.Delay(700, Ct);
        var atExpiry = statuses.Count;
        simulator.ExpireSessions();
        await Task.Delay(1_000, Ct);
        await stopLoad.CancelAsync();
        await Task.WhenAll(workers);

        Report($"sessions expired mid-traffic: {statuses.Count} requests ({atExpiry} before the expiry): {Histogram(statuses.Select(s => s.Status))}; "
               + $"sessions made {before} -> {simulator.SessionsCreated}, open {simulator.OpenSessions}, connection logins {connection.Logins}");
        var failed = statuses.Where(s => s.Status != 200).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} callers saw an error:\n" + string.Join("\n", failed.Take(5).Select(f => $"{f.Url} {f.Status} {f.Body}")));
        Assert.True(statuses.Count > atExpiry, "no request ran after the expiry");
        Assert.Equal(before + 1, simulator.SessionsCreated); // One pooled connection: one new session, however many calls saw the old one fail.
        Assert.Equal(2, connection.Logins);
        Assert.Equal(1, simulator.OpenSessions);
        Assert.Same(connection, Assert.Single(XenGateway.Pool(gateway).OpenConnections));
        Assert.Equal(0, await XenGateway.CloseAndCountOpenSessionsAsync(gateway, simulator));
    }
}
