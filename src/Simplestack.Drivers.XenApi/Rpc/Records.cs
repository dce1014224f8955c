namespace Simplestack.Drivers.XenApi.Rpc;

// The fields of XenAPI's records that the driver reads (DRIVERS.md §2), named so that the
// snake_case policy with case-insensitive matching finds XenAPI's own names (VCPUs_at_startup
// is vcpus_at_startup). Every other field of a record is skipped on reading. int fields arrive
// as JSON numbers, or as numeric strings from older pools: both are read.

public sealed class PoolRecord
{
    public string Uuid { get; init; } = "";
    public string NameLabel { get; init; } = "";
    public string Master { get; init; } = XenRefs.Null;
    public string DefaultSr { get; init; } = XenRefs.Null;
}

public sealed class HostRecord
{
    public string Uuid { get; init; } = "";
    public string NameLabel { get; init; } = "";
    public string Hostname { get; init; } = "";
    public string Address { get; init; } = "";
    public string Metrics { get; init; } = XenRefs.Null;
    public long ApiVersionMajor { get; init; }
    public long ApiVersionMinor { get; init; }
    public Dictionary<string, string> SoftwareVersion { get; init; } = [];
    public Dictionary<string, string> CpuInfo { get; init; } = [];
}

public sealed class HostMetricsRecord
{
    public long MemoryTotal { get; init; }
    public long MemoryFree { get; init; }
}

public sealed class VmRecord
{
    public string Uuid { get; init; } = "";
    public string NameLabel { get; init; } = "";
    public string PowerState { get; init; } = "";
    public bool IsATemplate { get; init; }
    public bool IsASnapshot { get; init; }
    public bool IsControlDomain { get; init; }
    public string SnapshotOf { get; init; } = XenRefs.Null;
    public List<string> Snapshots { get; init; } = [];
    public string SnapshotTime { get; init; } = "";
    public long MemoryStaticMin { get; init; }
    public long MemoryStaticMax { get; init; }
    public long MemoryDynamicMin { get; init; }
    public long MemoryDynamicMax { get; init; }
    public long VcpusMax { get; init; }
    public long VcpusAtStartup { get; init; }
    public Dictionary<string, string> VcpusParams { get; init; } = [];
    public string HaRestartPriority { get; init; } = "";
    public string PvArgs { get; init; } = "";
    public string HvmBootPolicy { get; init; } = "";
    public Dictionary<string, string> HvmBootParams { get; init; } = [];
    public string DomainType { get; init; } = "";
    public string ResidentOn { get; init; } = XenRefs.Null;
    public string GuestMetrics { get; init; } = XenRefs.Null;
    public List<string> Vbds { get; init; } = [];
    public List<string> Vifs { get; init; } = [];
    public List<string> Consoles { get; init; } = [];
    public List<string> Tags { get; init; } = [];
    public Dictionary<string, string> OtherConfig { get; init; } = [];
}

public sealed class GuestMetricsRecord
{
    public Dictionary<string, string> Networks { get; init; } = [];
    public bool PvDriversDetected { get; init; }
    public bool PvDriversUpToDate { get; init; }
}

public sealed class VbdRecord
{
    public string Vm { get; init; } = XenRefs.Null;
    public string Vdi { get; init; } = XenRefs.Null;
    public string Type { get; init; } = "";
    public string Userdevice { get; init; } = "";
    public string Device { get; init; } = "";
    public string Mode { get; init; } = "";
    public bool Empty { get; init; }
    public bool CurrentlyAttached { get; init; }
    public Dictionary<string, string> OtherConfig { get; init; } = [];
}

public sealed class VdiRecord
{
    public string Uuid { get; init; } = "";
    public string NameLabel { get; init; } = "";
    public string Sr { get; init; } = XenRefs.Null;
    public long VirtualSize { get; init; }
    public long PhysicalUtilisation { get; init; }
    public bool Sharable { get; init; }
    public bool ReadOnly { get; init; }
    public bool IsASnapshot { get; init; }
    public List<string> Vbds { get; init; } = [];
    public Dictionary<string, string> SmConfig { get; init; } = [];
}

public sealed class SrRecord
{
    public string Uuid { get; init; } = "";
    public string NameLabel { get; init; } = "";
    public string Type { get; init; } = "";
    public string ContentType { get; init; } = "";
    public long PhysicalSize { get; init; }
    public long PhysicalUtilisation { get; init; }
    public long VirtualAllocation { get; init; }
    public List<string> Pbds { get; init; } = [];
}

public sealed class PbdRecord
{
    public string Sr { get; init; } = XenRefs.Null;
    public bool CurrentlyAttached { get; init; }
}

public sealed class NetworkRecord
{
    public string Uuid { get; init; } = "";
    public string NameLabel { get; init; } = "";
    public string NameDescription { get; init; } = "";
    public string Bridge { get; init; } = "";
    public List<string> Pifs { get; init; } = [];
    public List<string> Vifs { get; init; } = [];
    public Dictionary<string, string> OtherConfig { get; init; } = [];
}

public sealed class PifRecord
{
    public string Network { get; init; } = XenRefs.Null;
    public long Vlan { get; init; } = -1;
    public string VlanMasterOf { get; init; } = XenRefs.Null;
    public bool CurrentlyAttached { get; init; }
}

public sealed class VifRecord
{
    public string Uuid { get; init; } = "";
    public string Device { get; init; } = "";
    public string Mac { get; init; } = "";
    public string Network { get; init; } = XenRefs.Null;
    public string Vm { get; init; } = XenRefs.Null;
    public bool CurrentlyAttached { get; init; }
    public string LockingMode { get; init; } = "network_default";
    public List<string> Ipv4Allowed { get; init; } = [];
    public List<string> Ipv6Allowed { get; init; } = [];
    public string QosAlgorithmType { get; init; } = "";
    public Dictionary<string, string> QosAlgorithmParams { get; init; } = [];
}

/// <summary>
/// One answer of <c>event.from</c>: what changed in the classes asked for since the token given,
/// and the token to ask from next. Opaque: the token is passed back as it came.
/// </summary>
public sealed class EventBatch
{
    public List<EventRecord> Events { get; init; } = [];
    public string Token { get; init; } = "";
}

/// <summary>
/// One change: class in lower case (<c>vm</c>, <c>vbd</c>...), operation <c>add</c>, <c>mod</c> or
/// <c>del</c>, the object's ref, and for add and mod its whole record as it is now (xapi sends no
/// snapshot with del).
/// </summary>
public sealed class EventRecord
{
    public string Class { get; init; } = "";
    public string Operation { get; init; } = "";
    public string Ref { get; init; } = "";
    public System.Text.Json.JsonElement? Snapshot { get; init; }
}

/// <summary>XenAPI's references: opaque, valid for one session only; compared by the objects' uuids, never stored.</summary>
public static class XenRefs
{
    public const string Null = "OpaqueRef:NULL";

    public static bool IsNull(string? reference) => string.IsNullOrEmpty(reference) || reference == Null;
}

/// <summary>A task: what an Async call or an HTTP handler (/export, /import) reports its work through.</summary>
public sealed class TaskRecord
{
    public string Status { get; init; } = "";
    public double Progress { get; init; }
    /// <summary>The outcome, as XML-RPC text (xapi's taskHelper encodes it so for every protocol).</summary>
    public string Result { get; init; } = "";
    public List<string> ErrorInfo { get; init; } = [];
}

/// <summary>A running VM's console: <c>rfb</c> (graphical) or <c>vt100</c> (text), reached by CONNECT at its location.</summary>
public sealed class ConsoleRecord
{
    public string Protocol { get; init; } = "";
    public string Location { get; init; } = "";
}
