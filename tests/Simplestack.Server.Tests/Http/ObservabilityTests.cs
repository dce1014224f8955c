using System.Net;

namespace Simplestack.Server.Tests.Http;

/// <summary>Request ids, /readyz and /metrics, with no API key configured (loopback: everything works as before).</summary>
public class ObservabilityTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [Fact]
    public async Task Every_answer_carries_a_request_id_and_a_sane_incoming_one_is_kept()
    {
        using var kept = new HttpRequestMessage(HttpMethod.Get, $"{Base}/guests/nope");
        kept.Headers.TryAddWithoutValidation("X-Request-Id", "trace-42.a_b:c");
        var response = await Client.SendAsync(kept, Ct);
        await response.ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        Assert.Equal("trace-42.a_b:c", response.Headers.GetValues("X-Request-Id").Single());

        using var replaced = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        replaced.Headers.TryAddWithoutValidation("X-Request-Id", "bad id with spaces and <xml>");
        var id = (await Client.SendAsync(replaced, Ct)).Headers.GetValues("X-Request-Id").Single();
        Assert.Matches("^[0-9a-f]{32}$", id);
    }

    [Fact]
    public async Task Readyz_reports_each_driver_and_probes_the_test_hypervisor()
    {
        var response = await Client.GetAsync("/readyz", Ct);
        await response.ShouldBeAsync(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("\"status\":\"ready\"", text, StringComparison.Ordinal);
        foreach (var driver in new[] { "test", "kvm", "lxc", "xen", "vmware", "hyperv" })
        {
            Assert.Contains($"\"name\":\"{driver}\"", text, StringComparison.Ordinal);
        }

        Assert.Contains("\"target\":\"test/default\",\"status\":\"ok\"", text, StringComparison.Ordinal);
        Assert.Contains("\"not_implemented\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_count_requests_hypervisor_calls_and_pool_sizes_by_route_not_by_path()
    {
        await Client.GetAsync($"{Base}/guests", Ct);
        await Client.GetAsync($"{Base}/guests/no-such-guest-name", Ct);
        var metrics = await Client.GetStringAsync("/metrics", Ct);
        Assert.Contains("simplestack_http_requests_total{method=\"GET\",route=\"/{hypervisor}/{host}/guests/\",hypervisor=\"test\",status=\"200\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("route=\"/{hypervisor}/{host}/guests/{guestId}\",hypervisor=\"test\",status=\"404\"", metrics, StringComparison.Ordinal);
        Assert.Contains("simplestack_http_request_duration_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("simplestack_hypervisor_call_duration_seconds_bucket{hypervisor=\"test\"", metrics, StringComparison.Ordinal);
        Assert.Contains("simplestack_hypervisor_call_errors_total{hypervisor=\"test\"", metrics, StringComparison.Ordinal);
        Assert.Contains("simplestack_connection_pool_connections 1", metrics, StringComparison.Ordinal);
        Assert.Contains("process_open_handles", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("no-such-guest-name", metrics, StringComparison.Ordinal);
    }
}
