extern alias XenSimulator;

using Simplestack.Core;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// The fixture of the driver-level xen tests: a simulated pool of its own per test (its sample
/// guests web-01 and db-01 running, build-01 halted) and one driver connection to it, its
/// certificate pinned. Both are closed after the test.
/// </summary>
public abstract class SimulatedXenTest : IAsyncLifetime
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The simulated pool, read directly (its store, not the driver) to check what the driver did.</summary>
    protected XenApiSimulator Simulator { get; private set; } = null!;

    /// <summary>The driver's connection under test.</summary>
    protected XenApiConnection Xen { get; private set; } = null!;

    /// <summary>What the simulated pool is started with (its sample guests, a member host's listener...).</summary>
    protected virtual SimulatorOptions Options => new();

    public virtual async ValueTask InitializeAsync()
    {
        Simulator = await XenApiSimulator.StartAsync(Options, Ct);
        var options = new XenApiDriverOptions();
        options.CertificatePins[$"127.0.0.1:{Simulator.Url.Port}"] = Simulator.CertificateSha256;
        Xen = (XenApiConnection)await new XenApiDriver(options).ConnectAsync(
            new HypervisorTarget("xen", "127.0.0.1", Simulator.Url.Port), new HypervisorCredentials("root", "simplestack"), Ct);
    }

    public virtual async ValueTask DisposeAsync()
    {
        await Xen.DisposeAsync();
        await Simulator.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
