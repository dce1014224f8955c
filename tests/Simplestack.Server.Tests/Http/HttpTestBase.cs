using System.Net;
using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Server.Tests.Http;

/// <summary>Shared helpers for the HTTP tests. Each derived class is one fixture, one fresh test hypervisor.</summary>
public abstract class HttpTestBase(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    protected const string Base = "/test/default";

    protected GatewayFactory Factory { get; } = factory;

    protected HttpClient Client { get; } = factory.CreateClient();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static string UniqueName(string prefix = "guest") => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Creates a guest through the API (stopped, no disks unless asked) and returns it.</summary>
    protected async Task<Guest> CreateGuestAsync(string? name = null, bool start = false, string? extra = null)
    {
        name ??= UniqueName();
        var response = await Client.PostJsonAsync(
            $"{Base}/guests", $$"""{"name": "{{name}}", "memory": 128, "cpus": 1, "start": {{(start ? "true" : "false")}}{{extra}}}""");
        await response.ShouldBeAsync(HttpStatusCode.Created);
        return await response.ReadAsync<Guest>();
    }

    protected Task<LibvirtConnection> LibvirtAsync() => Factory.LibvirtAsync();

    /// <summary>The domain as libvirt itself sees it (null when it does not exist).</summary>
    protected async Task<(DomainState State, bool Exists)> DomainStateAsync(string name)
    {
        var libvirt = await LibvirtAsync();
        using var domain = libvirt.TryLookupDomainByName(name);
        return domain is null ? (DomainState.NoState, false) : (domain.GetState().State, true);
    }
}
