using Simplestack.XenApi.Simulator.Model;
using Simplestack.XenApi.Simulator.Protocol;

namespace Simplestack.XenApi.Simulator.Semantics;

/// <summary>
/// The VM power-state machine (xapi_vm_lifecycle.ml): each operation names the states it is
/// allowed from, and VM_BAD_POWER_STATE [vm, expected (joined by ", "), actual] otherwise.
/// VM_metrics follows every change; templates refuse to run (VM_IS_TEMPLATE).
/// </summary>
internal static partial class VmMessages
{
    private const string Halted = "Halted", Running = "Running", Paused = "Paused", Suspended = "Suspended";

    public static void Register(Dictionary<string, Handler> handlers)
    {
        handlers["VM.start"] = c => Start(c, c.State.Master, c.Bool(1));
        handlers["VM.start_on"] = c => Start(c, HostArg(c, 1), c.Bool(2));
        handlers["VM.clean_shutdown"] = c => Transition(c, [Running], Halted);
        handlers["VM.shutdown"] = c => Transition(c, [Running, Paused, Suspended], Halted);
        handlers["VM.hard_shutdown"] = c => Transition(c, [Paused, Suspended, Running], Halted);
        handlers["VM.clean_reboot"] = c => Transition(c, [Running], Running);
        handlers["VM.hard_reboot"] = c => Transition(c, [Paused, Running], Running);
        handlers["VM.pause"] = c => Transition(c, [Running], Paused);
        handlers["VM.unpause"] = c => Transition(c, [Paused], Running);
        handlers["VM.suspend"] = c => Transition(c, [Running], Suspended);
        handlers["VM.resume"] = c => Transition(c, [Suspended], c.Bool(1) ? Paused : Running);
        handlers["VM.resume_on"] = c => Transition(c, [Suspended], c.Bool(2) ? Paused : Running, HostArg(c, 1));
        handlers["VM.power_state_reset"] = c => SetPowerState(c, c.Ref(0), Halted, Wire.NullRef);
        handlers["VM.set_memory_limits"] = c => SetMemory(c, halted: true, ("memory_static_min", 1), ("memory_static_max", 2), ("memory_dynamic_min", 3), ("memory_dynamic_max", 4));
        handlers["VM.set_memory_dynamic_range"] = c => SetMemory(c, halted: false, ("memory_dynamic_min", 1), ("memory_dynamic_max", 2));
        handlers["VM.set_memory_static_range"] = c => SetMemory(c, halted: true, ("memory_static_min", 1), ("memory_static_max", 2));
        handlers["VM.set_memory"] = c => SetMemory(c, halted: false, ("memory_dynamic_min", 1), ("memory_dynamic_max", 1), ("memory_static_max", 1));
        handlers["VM.get_allowed_VBD_devices"] = c => FreeDevices(c, "VBDs", 16);
        handlers["VM.get_allowed_VIF_devices"] = c => FreeDevices(c, "VIFs", 7);
        RegisterCopies(handlers);
        RegisterSettings(handlers);
    }

    private static string HostArg(CallContext c, int index)
    {
        c.Record("host", index);
        return c.Ref(index);
    }

    private static object? Start(CallContext c, string host, bool paused)
    {
        // xapi refuses a VM the host cannot give its memory to: HOST_NOT_ENOUGH_FREE_MEMORY [needed, available].
        var vm = c.Record("VM", 0);
        var needed = Convert.ToInt64(vm["memory_dynamic_min"], System.Globalization.CultureInfo.InvariantCulture);
        var metrics = c.Store.Get("host_metrics", (string)c.Store.Get("host", host)["metrics"]!);
        var free = Convert.ToInt64(metrics["memory_free"], System.Globalization.CultureInfo.InvariantCulture);
        if ((string)vm["power_state"]! == Halted && needed > free)
        {
            throw new XenApiException(ErrorCodes.HOST_NOT_ENOUGH_FREE_MEMORY, needed.ToString(System.Globalization.CultureInfo.InvariantCulture), free.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return Transition(c, [Halted], paused ? Paused : Running, host);
    }

    private static object? Transition(CallContext c, string[] allowed, string next, string? host = null)
    {
        var vm = c.Record("VM", 0);
        if ((bool)vm["is_a_template"]! && next != Halted)
        {
            throw new XenApiException(ErrorCodes.VM_IS_TEMPLATE, c.Ref(0), "start");
        }
        if ((bool)vm["is_control_domain"]!)
        {
            throw new XenApiException(ErrorCodes.OPERATION_NOT_ALLOWED, "This operation is not allowed on the control domain");
        }
        var actual = (string)vm["power_state"]!;
        if (!allowed.Contains(actual))
        {
            throw new XenApiException(ErrorCodes.VM_BAD_POWER_STATE, c.Ref(0), string.Join(", ", allowed), actual);
        }
        var residentOn = next is Running or Paused ? host ?? (string)vm["resident_on"]! : Wire.NullRef;
        if (residentOn == Wire.NullRef && next is Running or Paused)
        {
            residentOn = c.State.Master;
        }
        var restarted = actual is Halted or Suspended || c.Message.Contains("reboot", StringComparison.Ordinal);
        SetPowerState(c, c.Ref(0), next, residentOn, restarted);
        return null;
    }

    /// <summary>Moves a VM to a state with what xapi keeps alongside: host, domid, metrics, operations.</summary>
    public static object? SetPowerState(CallContext c, string vmRef, string state, string residentOn, bool restarted = true)
    {
        var store = c.Store;
        var vm = store.Get("VM", vmRef);
        store.Set("VM", vmRef, "resident_on", residentOn);
        vm["power_state"] = state;
        vm["domid"] = state == Halted ? -1L : restarted ? c.State.NextDomid() : vm["domid"];
        vm["allowed_operations"] = AllowedOperations(state);
        store.Touch("VM", vmRef);
        var attached = state is Running or Paused;
        ConsoleObjects.Follow(c.State, vmRef, attached);
        foreach (var (devices, cls) in new[] { ("VBDs", "VBD"), ("VIFs", "VIF") })
        {
            foreach (var device in Wire.AsList(vm[devices]).Select(Wire.AsString))
            {
                store.Set(cls, device, "currently_attached", attached);
            }
        }
        var metricsRef = (string)vm["metrics"]!;
        if (store.Exists("VM_metrics", metricsRef))
        {
            var metrics = store.Get("VM_metrics", metricsRef);
            metrics["state"] = new List<object?> { state.ToLowerInvariant() };
            metrics["memory_actual"] = state == Halted ? 0L : vm["memory_dynamic_max"];
            metrics["VCPUs_number"] = state == Halted ? 0L : vm["VCPUs_at_startup"];
            if (restarted && state != Halted)
            {
                metrics["start_time"] = c.State.Now;
            }
            metrics["last_updated"] = c.State.Now;
            store.Touch("VM_metrics", metricsRef);
        }
        if (state == Running && !store.Exists("VM_guest_metrics", (string)vm["guest_metrics"]!))
        {
            store.Set("VM", vmRef, "guest_metrics", NewGuestMetrics(c.State, (long)vm["domid"]!));
        }
        return null;
    }

    public static string NewGuestMetrics(SimulatorState state, long domid) =>
        state.Store.Create("VM_guest_metrics", new()
        {
            ["networks"] = new Dictionary<string, object?> { ["0/ip"] = $"10.0.0.{10 + domid % 240}", ["0/ipv6/0"] = $"fe80::{domid:x}" },
            ["os_version"] = new Dictionary<string, object?> { ["name"] = "Debian GNU/Linux 12 (bookworm)", ["distro"] = "debian", ["major"] = "12" },
            ["PV_drivers_detected"] = true,
            ["PV_drivers_up_to_date"] = true,
            ["PV_drivers_version"] = new Dictionary<string, object?> { ["major"] = "8", ["minor"] = "2" },
            ["last_updated"] = state.Now,
        });

    public static List<object?> AllowedOperations(string state) => state switch
    {
        Halted => ["start", "start_on", "clone", "copy", "snapshot", "destroy", "export", "provision", "changing_memory_limits", "changing_VCPUs"],
        Running => ["clean_shutdown", "hard_shutdown", "clean_reboot", "hard_reboot", "pause", "suspend", "snapshot", "changing_VCPUs_live"],
        Paused => ["unpause", "hard_shutdown", "hard_reboot"],
        _ => ["resume", "resume_on", "hard_shutdown", "destroy", "clone", "copy"],
    };

    internal static object? SetFields(CallContext c, params (string Field, int Arg)[] fields)
    {
        c.Record("VM", 0);
        foreach (var (field, arg) in fields)
        {
            c.Store.Set("VM", c.Ref(0), field, c.Args[arg]);
        }
        return null;
    }

    /// <summary>
    /// The memory setters (xapi_vm_memory_constraints.ml): the static range only while Halted, and
    /// every change must keep static_min ≤ dynamic_min ≤ dynamic_max ≤ static_max, else
    /// MEMORY_CONSTRAINT_VIOLATION and nothing changes.
    /// </summary>
    private static object? SetMemory(CallContext c, bool halted, params (string Field, int Arg)[] fields)
    {
        var vm = c.Record("VM", 0);
        var state = (string)vm["power_state"]!;
        if (halted && state != Halted)
        {
            throw new XenApiException(ErrorCodes.VM_BAD_POWER_STATE, c.Ref(0), Halted, state);
        }
        string[] order = ["memory_static_min", "memory_dynamic_min", "memory_dynamic_max", "memory_static_max"];
        var wanted = order.ToDictionary(f => f, f => (long)vm[f]!);
        foreach (var (field, arg) in fields)
        {
            wanted[field] = c.Long(arg);
        }
        if (order.Zip(order.Skip(1)).Any(p => wanted[p.First] > wanted[p.Second]) || wanted["memory_static_min"] < 0)
        {
            throw new XenApiException(ErrorCodes.MEMORY_CONSTRAINT_VIOLATION, "Memory limits must satisfy: static_min <= dynamic_min <= dynamic_max <= static_max");
        }
        return SetFields(c, fields);
    }

    private static List<object?> FreeDevices(CallContext c, string devices, int count)
    {
        var cls = devices == "VBDs" ? "VBD" : "VIF";
        var field = cls == "VBD" ? "userdevice" : "device";
        var used = Wire.AsList(c.Record("VM", 0)[devices]).Select(r => (string?)c.Store.Get(cls, (string)r!)[field]).ToHashSet();
        return Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Where(d => !used.Contains(d)).Select(d => (object?)d).ToList();
    }
}
