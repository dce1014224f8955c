using Simplestack.XenApi.Simulator.Store;

namespace Simplestack.XenApi.Simulator.Semantics;

/// <summary>Everything one simulated pool holds: its objects, sessions and options.</summary>
internal sealed class SimulatorState
{
    public SimulatorState(SimulatorOptions options, TimeProvider? clock = null)
    {
        Options = options;
        Clock = clock ?? TimeProvider.System;
        Sessions = new SessionTable(Store, options, Clock);
    }

    public SimulatorOptions Options { get; }

    private readonly CancellationTokenSource _stopping = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _calls = new(StringComparer.Ordinal);

    /// <summary>Cancelled when the simulator stops: calls that wait (event.from) end at once.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public void Stop() => _stopping.Cancel();

    /// <summary>Counts one call by its method name as sent (Async. prefix included).</summary>
    public void Called(string method) => _calls.AddOrUpdate(method, 1, (_, n) => n + 1);

    /// <summary>How many times <paramref name="method"/> was called since start.</summary>
    public long Calls(string method) => _calls.GetValueOrDefault(method);
    public TimeProvider Clock { get; }
    public ObjectStore Store { get; } = new();
    public SessionTable Sessions { get; }

    /// <summary>The bytes in each VDI, by VDI ref.</summary>
    public VdiContent Disks { get; } = new();

    /// <summary>The pool master's ref, set when the initial state is built.</summary>
    public string Master { get; set; } = "OpaqueRef:NULL";

    /// <summary>The address HOST_IS_SLAVE names: where the master listens.</summary>
    public string MasterAddress { get; set; } = "127.0.0.1";

    /// <summary>The port consoles' locations name, once the listeners have one (until then none: 443, as xapi's).</summary>
    public int? ConsolePort { get; set; }

    private long _domid;

    /// <summary>The next domain id; dom0 is 0, guests count up from 1 as in Xen.</summary>
    public long NextDomid() => ++_domid;

    public DateTime Now => Clock.GetUtcNow().UtcDateTime;
}
