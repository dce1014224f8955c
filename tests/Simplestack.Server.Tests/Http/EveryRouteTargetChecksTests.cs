using System.Net;
using System.Text;

namespace Simplestack.Server.Tests.Http;

/// <summary>
/// Every route of API.md §3 against targets that must never reach a hypervisor: unknown (404),
/// not allowed (403), remote without a token (401), malformed token (400), and a driver that is
/// not built (501). No test here opens a connection, so this class's pool must stay empty.
/// </summary>
public class EveryRouteTargetChecksTests(GatewayFactory factory) : HttpTestBase(factory)
{
    /// <summary>Method, path under /{hypervisor}/{host}, and a valid body where the route takes one.</summary>
    public static readonly TheoryData<string, string, string?> Routes = new()
    {
        { "GET", "", null },
        { "GET", "/hosts", null },
        { "GET", "/hosts/h1", null },
        { "GET", "/storages", null },
        { "GET", "/storages/s1", null },
        { "POST", "/storages/s1/guests", "archive-bytes" },
        { "GET", "/guests", null },
        { "POST", "/guests", """{"name": "g", "memory": 128}""" },
        { "GET", "/guests/g1", null },
        { "PUT", "/guests/g1", """{"memory": 256}""" },
        { "DELETE", "/guests/g1", null },
        { "POST", "/guests/g1/clone", """{"name": "g2"}""" },
        { "GET", "/guests/g1/export", null },
        { "PUT", "/guests/g1/power", """{"state": "start"}""" },
        { "PUT", "/guests/g1/reboot", null },
        { "GET", "/guests/g1/disks", null },
        { "POST", "/guests/g1/disks", """{"size": 1}""" },
        { "GET", "/guests/g1/disks/vda", null },
        { "PUT", "/guests/g1/disks/vda", """{"size": 2}""" },
        { "DELETE", "/guests/g1/disks/vda", null },
        { "GET", "/guests/g1/media_device", null },
        { "PUT", "/guests/g1/media_device", """{"name": null}""" },
        { "GET", "/guests/g1/network_interfaces", null },
        { "POST", "/guests/g1/network_interfaces", """{"network": "default"}""" },
        { "GET", "/guests/g1/network_interfaces/52:54:00:00:00:01", null },
        { "PUT", "/guests/g1/network_interfaces/52:54:00:00:00:01", """{"ratelimit": false}""" },
        { "DELETE", "/guests/g1/network_interfaces/52:54:00:00:00:01", null },
        { "GET", "/guests/g1/tags", null },
        { "POST", "/guests/g1/tags", """{"name": "t"}""" },
        { "DELETE", "/guests/g1/tags/t", null },
        { "GET", "/guests/g1/snapshots", null },
        { "POST", "/guests/g1/snapshots", """{"name": "s"}""" },
        { "GET", "/guests/g1/snapshots/s", null },
        { "DELETE", "/guests/g1/snapshots/s", null },
        { "PUT", "/guests/g1/snapshots/s/revert", null },
        { "GET", "/networks", null },
        { "POST", "/networks", """{"name": "n"}""" },
        { "GET", "/networks/n", null },
        { "DELETE", "/networks/n", null },
    };

    private async Task<HttpResponseMessage> SendAsync(string method, string url, string? body, string? token = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "text/plain");
        }

        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("x-simplestack-hypervisor-token", token);
        }

        return await Client.SendAsync(request, Ct);
    }

    private async Task AssertNoConnectionAsync()
    {
        for (var i = 0; i < 100 && Factory.Pool.Count > 0; i++)
        {
            await Task.Delay(10, Ct);
        }

        Assert.Equal(0, Factory.Pool.Count);
        Assert.Empty(Factory.Pool.OpenConnections);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Unknown_hypervisor_is_404(string method, string path, string? body)
    {
        await (await SendAsync(method, "/nope/x" + path, body)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        await AssertNoConnectionAsync();
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Target_not_allowed_is_403(string method, string path, string? body)
    {
        await (await SendAsync(method, "/kvm/10.0.0.1" + path, body)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, "TargetNotAllowed");
        await AssertNoConnectionAsync();
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Target_not_allowed_is_403_before_the_body_or_query_is_looked_at(string method, string path, string? body)
    {
        // A body no route accepts and a query value no route parses: the target is refused first.
        var response = await SendAsync(method, "/kvm/10.0.0.1" + path + "?keep_disks=maybe&wait=forever", body is null ? null : "{not json");
        await response.ShouldBeErrorAsync(HttpStatusCode.Forbidden, "TargetNotAllowed");
        await AssertNoConnectionAsync();
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Remote_target_without_a_token_is_401(string method, string path, string? body)
    {
        await (await SendAsync(method, "/kvm/kvm1.lab.example" + path, body)).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "Unauthorized");
        await AssertNoConnectionAsync();
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Malformed_token_is_400(string method, string path, string? body)
    {
        await (await SendAsync(method, "/kvm/kvm1.lab.example" + path, body, token: "not-base64!")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");
        await AssertNoConnectionAsync();
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_hypervisor_that_does_not_answer_is_503_and_no_connection_is_kept(string method, string path, string? body)
    {
        // vmware/127.0.0.1:1: a real driver on a loopback port where nothing listens.
        await (await SendAsync(method, "/vmware/127.0.0.1:1" + path, body, token: Convert.ToBase64String(Encoding.UTF8.GetBytes("root:secret"))))
            .ShouldBeErrorAsync(HttpStatusCode.ServiceUnavailable, "HypervisorUnavailable");
        await AssertNoConnectionAsync();
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Hyperv_is_501_not_available(string method, string path, string? body)
    {
        await (await SendAsync(method, "/hyperv/h1.example" + path, body)).ShouldBeErrorAsync(HttpStatusCode.NotImplemented, "FeatureNotAvailable");
        await AssertNoConnectionAsync();
    }
}
