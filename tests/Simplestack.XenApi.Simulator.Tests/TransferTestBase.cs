using Simplestack.XenApi.Simulator;

namespace Simplestack.XenApi.Simulator.Tests;

/// <summary>A simulator of its own per test, with a raw RPC client and the transfer helpers over it.</summary>
public abstract class TransferTestBase : IAsyncLifetime
{
    private protected XenApiSimulator _simulator = null!;
    private protected Rpc _rpc = null!;
    private protected Transfers _transfers = null!;

    public async ValueTask InitializeAsync()
    {
        _simulator = await XenApiSimulator.StartAsync(new SimulatorOptions(), TestContext.Current.CancellationToken);
        _rpc = new Rpc(_simulator);
        _transfers = new Transfers(_simulator, _rpc);
    }

    public async ValueTask DisposeAsync()
    {
        _transfers.Dispose();
        _rpc.Dispose();
        await _simulator.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
