namespace Simplestack.Libvirt;

/// <summary>Credentials answered to libvirt's authentication callback. <see cref="ToString"/> never shows the password.</summary>
public sealed record LibvirtCredentials(string? UserName, string? Password)
{
    public override string ToString() =>
        $"LibvirtCredentials {{ UserName = {UserName}, Password = {(Password is null ? "(none)" : "***")} }}";
}

/// <summary>virNodeInfo. <see cref="MemoryKiB"/> is in KiB.</summary>
public sealed record NodeInfo(string Model, ulong MemoryKiB, uint Cpus, uint MHz, uint Nodes, uint Sockets, uint Cores, uint Threads);

/// <summary>One domain's entry from virConnectGetAllDomainStats: typed values are int, uint, long, ulong, double, bool or string.</summary>
public sealed record DomainStatsRecord(LibvirtDomain Domain, IReadOnlyDictionary<string, object> Parameters);

/// <summary>A lifecycle event (virDomainEventType and its detail).</summary>
public sealed record LibvirtDomainEvent(string DomainUuid, string DomainName, int EventType, int Detail);

/// <summary>The domain events, other than lifecycle ones, that tell its definition or live settings changed (<c>VIR_DOMAIN_EVENT_ID_*</c>).</summary>
public enum DomainChange
{
    /// <summary>The balloon's size changed (live memory).</summary>
    BalloonChange = 13,
    DeviceRemoved = 15,
    /// <summary>Tunables changed (vCPU pinning, block I/O tuning, ...).</summary>
    Tunable = 17,
    DeviceAdded = 19,
    /// <summary>The domain's title, description or a metadata element changed.</summary>
    MetadataChange = 23,
}

/// <summary>A <see cref="DomainChange"/> event of one domain.</summary>
public sealed record LibvirtDomainChange(string DomainUuid, DomainChange Change);

/// <summary>virDomainInfo.</summary>
public sealed record DomainInfo(DomainState State, ulong MaxMemoryKiB, ulong MemoryKiB, ushort VirtualCpus, ulong CpuTimeNs);

/// <summary>virDomainBlockInfo, in bytes.</summary>
public sealed record BlockInfo(ulong Capacity, ulong Allocation, ulong Physical);

/// <summary>One IP address of a guest interface.</summary>
public sealed record IpAddress(bool IsIPv6, string Address, uint Prefix);

/// <summary>virDomainInterface: a guest interface and its addresses.</summary>
public sealed record DomainInterfaceAddresses(string Name, string? HardwareAddress, IReadOnlyList<IpAddress> Addresses);

/// <summary>virNetworkDHCPLease.</summary>
public sealed record NetworkDhcpLease(
    string Interface,
    long ExpiryTime,
    bool IsIPv6,
    string? Mac,
    string? Iaid,
    string IpAddress,
    uint Prefix,
    string? Hostname,
    string? ClientId);

/// <summary>virStoragePoolInfo, sizes in bytes.</summary>
public sealed record StoragePoolInfo(StoragePoolState State, ulong Capacity, ulong Allocation, ulong Available);

/// <summary>virStorageVolInfo, sizes in bytes; <see cref="Type"/> is a virStorageVolType value.</summary>
public sealed record StorageVolumeInfo(int Type, ulong Capacity, ulong Allocation);

/// <summary>virDomainState.</summary>
public enum DomainState
{
    NoState = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    Shutdown = 4,
    Shutoff = 5,
    Crashed = 6,
    PmSuspended = 7,
}

/// <summary>virStoragePoolState.</summary>
public enum StoragePoolState
{
    Inactive = 0,
    Building = 1,
    Running = 2,
    Degraded = 3,
    Inaccessible = 4,
}

/// <summary>virDomainStatsTypes.</summary>
[Flags]
public enum DomainStatsTypes : uint
{
    None = 0,
    State = 1,
    CpuTotal = 2,
    Balloon = 4,
    Vcpu = 8,
    Interface = 16,
    Block = 32,
    Perf = 64,
    Iothread = 128,
    Memory = 256,
    Dirtyrate = 512,
    Vm = 1024,
}

/// <summary>virDomainXMLFlags.</summary>
[Flags]
public enum DomainXmlFlags : uint
{
    None = 0,
    Secure = 1,
    Inactive = 2,
    UpdateCpu = 4,
    Migratable = 8,
}

/// <summary>virDomainUndefineFlagsValues.</summary>
[Flags]
public enum DomainUndefineFlags : uint
{
    None = 0,
    ManagedSave = 1,
    SnapshotsMetadata = 2,
    Nvram = 4,
    KeepNvram = 8,
    CheckpointsMetadata = 16,
    Tpm = 32,
    KeepTpm = 64,
}

/// <summary>virDomainModificationImpact.</summary>
[Flags]
public enum DomainModificationImpact : uint
{
    Current = 0,
    Live = 1,
    Config = 2,
}

/// <summary>virDomainMetadataType.</summary>
public enum DomainMetadataType
{
    Description = 0,
    Title = 1,
    Element = 2,
}

/// <summary>virDomainInterfaceAddressesSource.</summary>
public enum DomainInterfaceAddressSource
{
    Lease = 0,
    Agent = 1,
    Arp = 2,
}

/// <summary>virStreamEventType: what a stream's event callback is told, and asks to be told.</summary>
[Flags]
public enum StreamEvents
{
    None = 0,
    Readable = 1,
    Writable = 2,
    Error = 4,
    Hangup = 8,
}
