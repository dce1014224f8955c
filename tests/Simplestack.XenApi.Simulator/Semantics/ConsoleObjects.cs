using Simplestack.XenApi.Simulator.Protocol;

namespace Simplestack.XenApi.Simulator.Semantics;

/// <summary>
/// The console objects of a VM with a domain (xapi makes them when the domain starts and drops
/// them when it ends): an rfb console always, and a vt100 one for PV guests (HVM guests' text
/// goes to their emulated serial port, which xapi does not expose). The location is where
/// CONNECT /console?ref= opens it: the address of the host the VM runs on (xapi proxies only to
/// a console of its own host), on the simulator's port, which every host's listener shares.
/// </summary>
internal static class ConsoleObjects
{
    /// <summary>Gives a running or paused VM its consoles, or takes a halted or suspended VM's away.</summary>
    public static void Follow(SimulatorState state, string vmRef, bool hasDomain)
    {
        var store = state.Store;
        var vm = store.Get("VM", vmRef);
        var existing = Wire.AsList(vm["consoles"]).Select(Wire.AsString).ToList();
        if (!hasDomain)
        {
            foreach (var console in existing.Where(c => store.Exists("console", c)))
            {
                store.Destroy("console", console);
            }
            return;
        }
        if (existing.Count > 0)
        {
            return;
        }
        var protocols = (string)vm["domain_type"]! == "pv" ? new[] { "vt100", "rfb" } : ["rfb"];
        foreach (var protocol in protocols)
        {
            var console = store.Create("console", new() { ["protocol"] = protocol, ["VM"] = vmRef });
            store.Set("console", console, "location", Location(state, console));
        }
    }

    /// <summary>Points every console at its host once the listeners' port is known.</summary>
    public static void Relocate(SimulatorState state, int port)
    {
        state.ConsolePort = port;
        foreach (var (console, _) in state.Store.All("console").ToList())
        {
            state.Store.Set("console", console, "location", Location(state, console));
        }
    }

    private static string Location(SimulatorState state, string console)
    {
        var vm = state.Store.Get("VM", (string)state.Store.Get("console", console)["VM"]!);
        var host = (string)vm["resident_on"]!;
        var address = state.Store.Exists("host", host) ? (string)state.Store.Get("host", host)["address"]! : state.MasterAddress;
        var authority = state.ConsolePort is { } port ? $"{address}:{port}" : address;
        return $"https://{authority}/console?ref={console}";
    }
}
