using System.Globalization;
using Simplestack.XenApi.Simulator.Model;
using Simplestack.XenApi.Simulator.Protocol;

namespace Simplestack.XenApi.Simulator.Semantics;

/// <summary>
/// The VM setters whose checks a client can meet (xapi_vm.ml and message_forwarding.ml): vCPU
/// counts kept 0 &lt; at_startup ≤ max (INVALID_VALUE), VCPUs_max and making a template only while
/// Halted, the live vCPU count only while Running (it becomes VCPUs_at_startup too), the HA
/// restart priorities xapi knows, and domain_type and HVM_boot_policy each deriving the other.
/// </summary>
internal static partial class VmMessages
{
    private const string VcpuOrder = "VCPU values must satisfy: 0 < VCPUs_at_startup ≤ VCPUs_max";
    private static readonly string[] HaRestartPriorities = ["restart", "best-effort", ""];
    private static readonly string[] DomainTypes = ["hvm", "pv", "pv_in_pvh", "pvh"];

    private static void RegisterSettings(Dictionary<string, Handler> handlers)
    {
        handlers["VM.set_VCPUs_max"] = c =>
        {
            var vm = RequireState(c, Halted);
            if (c.Long(1) < 1 || c.Long(1) < (long)vm["VCPUs_at_startup"]!)
            {
                throw new XenApiException(ErrorCodes.INVALID_VALUE, VcpuOrder, c.String(1));
            }
            return SetFields(c, ("VCPUs_max", 1));
        };
        handlers["VM.set_VCPUs_at_startup"] = c =>
        {
            var vm = c.Record("VM", 0);
            if (c.Long(1) < 1 || c.Long(1) > (long)vm["VCPUs_max"]!)
            {
                throw new XenApiException(ErrorCodes.INVALID_VALUE, VcpuOrder, c.String(1));
            }
            return SetFields(c, ("VCPUs_at_startup", 1));
        };
        handlers["VM.set_VCPUs_number_live"] = SetVcpusLive;
        handlers["VM.set_is_a_template"] = c =>
        {
            if (c.Bool(1))
            {
                RequireState(c, Halted); // xapi's make_into_template
            }
            return SetFields(c, ("is_a_template", 1));
        };
        handlers["VM.set_ha_restart_priority"] = c =>
        {
            c.Record("VM", 0);
            if (!HaRestartPriorities.Contains(c.String(1)))
            {
                throw new XenApiException(ErrorCodes.INVALID_VALUE, "ha_restart_priority", c.String(1));
            }
            return SetFields(c, ("ha_restart_priority", 1));
        };
        handlers["VM.set_domain_type"] = c =>
        {
            c.Record("VM", 0);
            var type = c.String(1);
            if (!DomainTypes.Contains(type))
            {
                throw new XenApiException(ErrorCodes.INVALID_VALUE, "domain_type", type);
            }
            c.Store.Set("VM", c.Ref(0), "HVM_boot_policy", type == "hvm" ? "BIOS order" : "");
            return SetFields(c, ("domain_type", 1));
        };
        handlers["VM.set_HVM_boot_policy"] = c =>
        {
            c.Record("VM", 0);
            c.Store.Set("VM", c.Ref(0), "domain_type", c.String(1).Length == 0 ? "pv" : "hvm");
            return SetFields(c, ("HVM_boot_policy", 1));
        };
    }

    private static Dictionary<string, object?> RequireState(CallContext c, string state)
    {
        var vm = c.Record("VM", 0);
        var actual = (string)vm["power_state"]!;
        return actual == state ? vm : throw new XenApiException(ErrorCodes.VM_BAD_POWER_STATE, c.Ref(0), state, actual);
    }

    /// <summary>Xapi_xenops.set_vcpus: the count within VCPUs_max, recorded as VCPUs_at_startup and in the metrics.</summary>
    private static object? SetVcpusLive(CallContext c)
    {
        var vm = RequireState(c, Running);
        var count = c.Long(1);
        if (count < 1 || count > (long)vm["VCPUs_max"]!)
        {
            throw new XenApiException(ErrorCodes.INVALID_VALUE, "VCPU values must satisfy: 0 < VCPUs ≤ VCPUs_max", count.ToString(CultureInfo.InvariantCulture));
        }
        c.Store.Set("VM", c.Ref(0), "VCPUs_at_startup", count);
        var metrics = (string)vm["metrics"]!;
        if (c.Store.Exists("VM_metrics", metrics))
        {
            c.Store.Get("VM_metrics", metrics)["VCPUs_number"] = count;
            c.Store.Touch("VM_metrics", metrics);
        }
        return null;
    }
}
