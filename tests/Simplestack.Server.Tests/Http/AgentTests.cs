using System.Net;
using Microsoft.AspNetCore.Hosting;
using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;

namespace Simplestack.Server.Tests.Http;

/// <summary>The staging agent's gateway: its target set to the test hypervisor instead of kvm/localhost.</summary>
public sealed class AgentGatewayFactory : GatewayFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Simplestack:Agent:Target", "test/default");
    }
}

/// <summary>The staging agent routes (API.md §7) with their exact status codes, on the test hypervisor.</summary>
public sealed class AgentTests(AgentGatewayFactory factory) : IClassFixture<AgentGatewayFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    public async Task Probing_a_host_answers_204_when_its_domain_exists_and_404_when_not(string slash)
    {
        Assert.Equal(HttpStatusCode.NoContent, (await _client.GetAsync($"/host/test{slash}", Ct)).StatusCode);
        var missing = await _client.GetAsync($"/host/no-such-host.example.com{slash}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        await AssertProbeNotFoundAsync(missing, "No domain named 'no-such-host.example.com' exists.");
    }

    /// <summary>A probe's 404 is the JSON error every 404 has, naming what is missing: the route did match.</summary>
    private static async Task AssertProbeNotFoundAsync(HttpResponseMessage response, string message)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("EntityNotFound", body.RootElement.GetProperty("error").GetString());
        Assert.Equal(message, body.RootElement.GetProperty("message").GetString());
        Assert.Equal(404, body.RootElement.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    public async Task Creating_a_host_makes_a_scsi_domain_once_then_conflicts(string slash)
    {
        var host = $"ns{Guid.NewGuid():N}"[..10] + ".example.com";
        var body = """{"memory": 512, "disks": [1, 2], "networks": ["default"]}""";

        var created = await _client.PostAsync($"/host/{host}{slash}", HttpTestExtensions.JsonBody(body), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.StartsWith("/test/default/guests/", created.Headers.Location!.OriginalString, StringComparison.Ordinal);

        var libvirt = await factory.LibvirtAsync();
        using (var domain = libvirt.TryLookupDomainByName(host))
        {
            Assert.NotNull(domain);
            var description = DomainDescription.Parse(domain.GetXmlDesc());
            Assert.Equal(["sda", "sdb"], description.Disks.Where(d => d.Device == "disk").Select(d => d.Target));
            Assert.All(description.Disks.Where(d => d.Device == "disk"), d => Assert.Equal("scsi", d.Bus));
            Assert.Contains("model='virtio-scsi'", domain.GetXmlDesc(), StringComparison.Ordinal);
            Assert.Equal("virtio", Assert.Single(description.Interfaces).Model);
            Assert.Contains("<serial type='pty'>", domain.GetXmlDesc(), StringComparison.Ordinal);
            Assert.Equal(Simplestack.Libvirt.DomainState.Running, domain.GetState().State);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await _client.GetAsync($"/host/{host}{slash}", Ct)).StatusCode);
        var again = await _client.PostAsync($"/host/{host}{slash}", HttpTestExtensions.JsonBody(body), Ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Theory]
    [InlineData("""{"disks": [1], "networks": ["default"]}""")]
    [InlineData("""{"memory": 512, "disks": [-1], "networks": ["default"]}""")]
    [InlineData("""{"memory": 512, "disks": [1], "networks": ["no-such-network"]}""")]
    [InlineData("""{"memory": 512, "disks": [1], "networks": ["default"], "install": true}""")]
    [InlineData("""{"memory": "lots", "disks": [1], "networks": ["default"]}""")]
    [InlineData("""{"memory": 512""")]
    public async Task An_invalid_host_body_answers_400_and_creates_nothing(string body)
    {
        var host = $"bad{Guid.NewGuid():N}"[..11];
        var response = await _client.PostAsync($"/host/{host}/", HttpTestExtensions.JsonBody(body), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"error\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var libvirt = await factory.LibvirtAsync();
        using var domain = libvirt.TryLookupDomainByName(host);
        Assert.Null(domain);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    public async Task Networks_are_probed_created_once_and_conflict_after(string slash)
    {
        var network = $"vl{Guid.NewGuid():N}"[..10];
        var url = $"/host/ns.example.com/network/{network}{slash}";
        var missing = await _client.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        await AssertProbeNotFoundAsync(missing, $"No network named '{network}' exists.");

        var created = await _client.PostAsync(url, HttpTestExtensions.JsonBody("""{"bridge": "br0", "vlan": 10}"""), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var libvirt = await factory.LibvirtAsync();
        using (var defined = libvirt.TryLookupNetworkByName(network))
        {
            Assert.NotNull(defined);
            Assert.True(defined.IsActive && defined.IsPersistent && defined.Autostart);
            var xml = defined.GetXmlDesc();
            Assert.Contains("<tag id='10'/>", xml, StringComparison.Ordinal);
            Assert.Contains("<virtualport type='openvswitch'/>", xml, StringComparison.Ordinal);
            Assert.Contains("<bridge name='br0'/>", xml, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await _client.GetAsync(url, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _client.PostAsync(url, HttpTestExtensions.JsonBody("""{"bridge": "br0", "vlan": 10}"""), Ct)).StatusCode);
    }

    [Theory]
    [InlineData("""{"bridge": "br0"}""")]
    [InlineData("""{"vlan": 10}""")]
    [InlineData("""{"bridge": "br0", "vlan": 5000}""")]
    [InlineData("""{"bridge": "br 0/x", "vlan": 10}""")]
    public async Task An_invalid_network_body_answers_400_and_defines_nothing(string body)
    {
        var network = $"bad{Guid.NewGuid():N}"[..11];
        var response = await _client.PostAsync($"/host/h/network/{network}/", HttpTestExtensions.JsonBody(body), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var libvirt = await factory.LibvirtAsync();
        using var defined = libvirt.TryLookupNetworkByName(network);
        Assert.Null(defined);
    }
}
