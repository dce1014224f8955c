extern alias XenSimulator;

using Microsoft.AspNetCore.Mvc.Testing;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// A simulator with its sample guests and the real gateway in front of it (<see cref="XenGateway"/>),
/// a client carrying the simulator's credentials, and, at the end, the check that the gateway left
/// no XenAPI session open.
/// </summary>
public abstract class XenGatewayTest : IAsyncLifetime
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected XenApiSimulator Simulator { get; private set; } = null!;

    protected WebApplicationFactory<Program> Gateway { get; private set; } = null!;

    protected HttpClient Client { get; private set; } = null!;

    /// <summary><c>/xen/127.0.0.1:PORT</c>.</summary>
    protected string Base { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Simulator = await XenApiSimulator.StartAsync(new SimulatorOptions(), Ct);
        Gateway = XenGateway.Start(Simulator);
        Client = XenGateway.Client(Gateway);
        Base = XenGateway.Base(Simulator);
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        Client.Dispose();
        Assert.Equal(0, await XenGateway.CloseAndCountOpenSessionsAsync(Gateway, Simulator));
        await Simulator.DisposeAsync();
    }
}
