using Simplestack.Core;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

/// <summary>A XenAPI VM in the API's words (API.md §3 and §8's Xen column).</summary>
internal static class GuestMapping
{
    private const double BytesPerGiB = 1024d * 1024 * 1024;
    private const long BytesPerMiB = 1024L * 1024;

    /// <summary>Running → STARTED, Halted → STOPPED, Paused and Suspended → PAUSED; anything else keeps its word and reads STOPPED.</summary>
    public static GuestStatus State(string powerState) => powerState switch
    {
        "Running" => new(GuestState.STARTED, powerState),
        "Paused" or "Suspended" => new(GuestState.PAUSED, powerState),
        _ => new(GuestState.STOPPED, string.IsNullOrEmpty(powerState) ? "unknown" : powerState),
    };

    /// <summary>A guest is a VM that is neither a template, a snapshot nor a control domain.</summary>
    public static bool IsGuest(VmRecord vm) => !vm.IsATemplate && !vm.IsASnapshot && !vm.IsControlDomain;

    /// <param name="disks">The VDIs of the VM's Disk VBDs (not CDs).</param>
    /// <param name="host">The name of the host it runs on, or empty when halted.</param>
    public static Guest ToGuest(VmRecord vm, GuestMetricsRecord? metrics, IEnumerable<VdiRecord> disks, string host)
    {
        var status = State(vm.PowerState);
        var ips = metrics is null ? [] : Addresses(metrics.Networks);
        return new Guest(
            Id: vm.Uuid,
            Name: vm.NameLabel,
            Cpus: (int)vm.VcpusAtStartup,
            Memory: Memory(vm) / BytesPerMiB,
            Hdd: Math.Round(disks.Sum(d => d.VirtualSize) / BytesPerGiB, 2),
            Paravirtualized: IsParavirtualized(vm),
            ToolsUpToDate: metrics is not null && (metrics.PvDriversUpToDate || metrics.PvDriversDetected),
            Ip: metrics?.Networks.GetValueOrDefault("0/ip") ?? ips.FirstOrDefault(),
            Ips: ips,
            State: status.State,
            StateDetail: status.Detail,
            Host: host)
        {
            Tags = vm.Tags, // VM.tags, in the same record
        };
    }

    /// <summary>
    /// The guest's memory is <c>memory_dynamic_max</c>, in every power state: the balloon target a
    /// running VM is driven to (the driver's live change sets dynamic_min = dynamic_max, so it is
    /// what the guest holds once the balloon settles) and the target a halted VM boots with.
    /// <c>memory_static_max</c> (what the original reported) is only the ceiling: reading it, a
    /// live change would never show, and a guest would read one value running and another halted.
    /// For VMs made or changed halted by this driver every limit is equal, so nothing differs there.
    /// </summary>
    public static long Memory(VmRecord vm) => vm.MemoryDynamicMax > 0 ? vm.MemoryDynamicMax : vm.MemoryStaticMax;

    /// <summary>PV or PVH guests; older pools without <c>domain_type</c> say PV by an empty HVM boot policy.</summary>
    private static bool IsParavirtualized(VmRecord vm) => vm.DomainType switch
    {
        "pv" or "pvh" or "pv_in_pvh" => true,
        "hvm" => false,
        _ => vm.HvmBootPolicy.Length == 0,
    };

    /// <summary>The guest agent's addresses (<c>0/ip</c>, <c>0/ipv4/0</c>, <c>0/ipv6/0</c>...), the first device's first.</summary>
    private static List<string> Addresses(Dictionary<string, string> networks)
        => [.. networks
            .Where(n => n.Key.EndsWith("/ip", StringComparison.Ordinal) || n.Key.Contains("/ipv4/", StringComparison.Ordinal) || n.Key.Contains("/ipv6/", StringComparison.Ordinal))
            .OrderBy(n => n.Key, StringComparer.Ordinal)
            .Select(n => n.Value)
            .Where(v => v.Length > 0)
            .Distinct(StringComparer.Ordinal)];

    /// <summary>XenAPI's datetimes (<c>20261206T08:44:16Z</c> or ISO 8601) as UTC.</summary>
    public static DateTimeOffset ParseTime(string value)
    {
        string[] formats = ["yyyyMMdd'T'HH:mm:ss'Z'", "yyyyMMdd'T'HH:mm:ssZ", "yyyyMMdd'T'HHmmss'Z'"];
        var styles = System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal;
        if (DateTimeOffset.TryParseExact(value, formats, System.Globalization.CultureInfo.InvariantCulture, styles, out var compact))
        {
            return compact;
        }

        return DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, styles, out var iso) ? iso : DateTimeOffset.UnixEpoch;
    }

    /// <summary>Bytes from MiB.</summary>
    public static long Bytes(long mebibytes) => mebibytes * BytesPerMiB;
}
