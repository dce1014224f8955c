extern alias XenSimulator;

using System.Globalization;
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

    [Fact]
    public async Task The_originals_update_shapes_are_read_and_applied()
    {
        using var body = new StringContent(
            """
            {"memory": {"memory_target": 1024, "memory_static_min": 512, "memory_static_max": 3072},
             "cpus": {"vcpus_at_startup": 1, "vcpus_max": 4},
             "paravirtualized": "console=hvc0",
             "vcpu_settings": {"weight": "512", "cap": 0},
             "ha_enabled": true}
            """, Encoding.UTF8, "application/json");
        var answer = await _client.PutAsync($"{_base}/guests/build-01", body, Ct);

        Assert.True(answer.StatusCode == HttpStatusCode.OK, await answer.Content.ReadAsStringAsync(Ct));
        var guest = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal((1, 1024, true), (guest.GetProperty("cpus").GetInt32(), guest.GetProperty("memory").GetInt64(), guest.GetProperty("paravirtualized").GetBoolean()));
        Assert.Equal("next_boot", guest.GetProperty("applied").GetProperty("memory").GetString());
        var vm = _simulator.Record("VM", _simulator.FindByNameLabel("VM", "build-01").Single())!;
        Assert.Equal((3072L << 20, 4L, "console=hvc0", "best-effort"),
            (Convert.ToInt64(vm["memory_static_max"], CultureInfo.InvariantCulture), Convert.ToInt64(vm["VCPUs_max"], CultureInfo.InvariantCulture), (string)vm["PV_args"]!, (string)vm["ha_restart_priority"]!));

        using var count = new StringContent("""{"cpus": 2, "memory": 2048}""", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"{_base}/guests/build-01", count, Ct)).StatusCode);
        vm = _simulator.Record("VM", _simulator.FindByNameLabel("VM", "build-01").Single())!;
        Assert.Equal((2L, 2048L << 20), (Convert.ToInt64(vm["VCPUs_at_startup"], CultureInfo.InvariantCulture), Convert.ToInt64(vm["memory_static_max"], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Limits_out_of_order_are_400_naming_the_field_and_the_nic_keys_apply_over_http()
    {
        using var bad = new StringContent("""{"name": "renamed", "memory": {"memory_static_min": 4096, "memory_static_max": 1024}}""", Encoding.UTF8, "application/json");
        var refused = await _client.PutAsync($"{_base}/guests/build-01", bad, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var refusal = await refused.Content.ReadAsStringAsync(Ct);
        Assert.True(refusal.Contains("memory.memory_static_min", StringComparison.Ordinal), refusal);
        Assert.Empty(_simulator.FindByNameLabel("VM", "renamed"));

        var nics = JsonDocument.Parse(await _client.GetStringAsync($"{_base}/guests/web-01/network_interfaces", Ct)).RootElement;
        var mac = nics[0].GetProperty("id").GetString();
        using var change = new StringContent("""{"ratelimit": false, "locking_mode": "locked", "ipv4_allowed": ["10.0.0.9"], "active": false}""", Encoding.UTF8, "application/json");
        var answer = await _client.PutAsync($"{_base}/guests/web-01/network_interfaces/{mac}", change, Ct);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var nic = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(("locked", "10.0.0.9", false, mac), (nic.GetProperty("locking_mode").GetString(), nic.GetProperty("ipv4_allowed")[0].GetString(), nic.GetProperty("active").GetBoolean(), nic.GetProperty("mac").GetString()));
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
