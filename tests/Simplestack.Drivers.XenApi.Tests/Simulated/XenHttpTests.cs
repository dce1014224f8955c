extern alias XenSimulator;

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>The real gateway over /xen/127.0.0.1:PORT/..., the target allowed and its certificate pinned by configuration.</summary>
public sealed class XenHttpTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private XenApiSimulator _simulator = null!;
    private WebApplicationFactory<Program> _gateway = null!;
    private HttpClient _client = null!;
    private string _base = "";

    public async ValueTask InitializeAsync()
    {
        _simulator = await XenApiSimulator.StartAsync(new SimulatorOptions(), Ct);
        var port = _simulator.Url.Port;
        _base = $"/xen/127.0.0.1:{port}";
        _gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Simplestack:AllowedTargets:0"] = $"xen/127.0.0.1:{port}",
                [$"Simplestack:XenApi:CertificatePins:127.0.0.1:{port}"] = _simulator.CertificateSha256,
            }));
        });
        _client = _gateway.CreateClient();
        _client.DefaultRequestHeaders.Add("x-simplestack-hypervisor-token", Convert.ToBase64String(Encoding.UTF8.GetBytes("root:simplestack")));
    }

    [Fact]
    public async Task Guests_are_listed_and_one_is_read_by_name()
    {
        var list = JsonDocument.Parse(await _client.GetStringAsync($"{_base}/guests", Ct)).RootElement;
        var names = list.EnumerateArray().Select(g => g.GetProperty("name").GetString()).ToList();
        Assert.Contains("web-01", names);
        Assert.DoesNotContain("Debian Bookworm 12", names);

        var web = JsonDocument.Parse(await _client.GetStringAsync($"{_base}/guests/web-01", Ct)).RootElement;
        Assert.Equal("STARTED", web.GetProperty("state").GetString());
        Assert.Equal("Running", web.GetProperty("state_detail").GetString());
        Assert.Equal(_simulator.FindByNameLabel("VM", "web-01").Single(), web.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Power_on_a_running_guest_is_409_and_an_unknown_guest_is_404()
    {
        using var body = new StringContent("""{"state":"start"}""", Encoding.UTF8, "application/json");
        var conflict = await _client.PutAsync($"{_base}/guests/web-01/power", body, Ct);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);

        var missing = await _client.GetAsync($"{_base}/guests/{Guid.NewGuid()}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Wrong_credentials_are_401_and_the_password_is_not_echoed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_base}/guests");
        request.Headers.Add("x-simplestack-hypervisor-token", Convert.ToBase64String(Encoding.UTF8.GetBytes("root:Wr0ng-pa55")));
        using var plain = _gateway.CreateClient();
        var answer = await plain.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.DoesNotContain("Wr0ng-pa55", await answer.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_pin_the_self_signed_certificate_is_refused_with_503()
    {
        var port = _simulator.Url.Port;
        await using var unpinned = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Simplestack:AllowedTargets:0"] = $"xen/127.0.0.1:{port}",
            }));
        });
        using var client = unpinned.CreateClient();
        client.DefaultRequestHeaders.Add("x-simplestack-hypervisor-token", Convert.ToBase64String(Encoding.UTF8.GetBytes("root:simplestack")));

        var answer = await client.GetAsync($"{_base}/guests", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Equal(0, _simulator.SessionsCreated); // Refused before any login: the password never went to an untrusted peer.
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
        // The gateway logs out every session it made when it shuts down (the pool closes its connections).
        for (var i = 0; i < 50 && _simulator.OpenSessions > 0; i++)
        {
            await Task.Delay(100, CancellationToken.None);
        }

        Assert.Equal(0, _simulator.OpenSessions);
        await _simulator.DisposeAsync();
    }
}
