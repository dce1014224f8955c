using Microsoft.AspNetCore.Mvc.Testing;
using Simplestack.Drivers.VSphere.Tests.Driver;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Http;

/// <summary>
/// A test class over the real gateway (<see cref="VcsimGateway"/>) in front of one vcsim: a client
/// with vcsim's credentials, the routes' base <c>/vmware/127.0.0.1:PORT</c>, and the tests' own
/// probe to check in vcsim what the gateway did.
/// </summary>
public abstract class VcsimHttpTest(VcsimFixture fixture) : IAsyncLifetime
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The gateway, for clients of other credentials.</summary>
    protected WebApplicationFactory<Program> Gateway { get; private set; } = null!;

    protected HttpClient Client { get; private set; } = null!;

    internal VcsimProbe Probe { get; private set; } = null!;

    /// <summary><c>/vmware/127.0.0.1:PORT</c>.</summary>
    protected string Base { get; private set; } = "";

    public ValueTask InitializeAsync()
    {
        Base = $"/vmware/127.0.0.1:{fixture.Vcsim.Port}";
        Gateway = VcsimGateway.Create(fixture.Vcsim);
        Client = VcsimGateway.Client(Gateway, fixture.Vcsim);
        Probe = new VcsimProbe(fixture.Vcsim);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await CleanUpAsync();
        Client.Dispose();
        await Gateway.DisposeAsync();
        Probe.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>What a class removes before the gateway goes (guests it made).</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;
}
