using System.Net.Security;
using Microsoft.Extensions.Logging;
using Simplestack.Core;
using Simplestack.Drivers.XenApi.Inventory;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

/// <summary>
/// One logged-in XenAPI session to a pool master and what the xen driver serves through it. The
/// capability interfaces it implements are the driver's capabilities (each partial file adds
/// its own); what it lacks the platform answers with 501.
/// Thread-safe: calls share the session; refs are never kept between operations (they are
/// session-scoped), objects are named by their uuids.
/// </summary>
public sealed partial class XenApiConnection :
    IHypervisorConnection, IGuestManagement, IGuestPower, ITagManagement, ISnapshotManagement,
    IStorageManagement, INetworkManagement, INetworkInterfaceManagement, IGuestCloning
{
    private const double BytesPerGiB = 1024d * 1024 * 1024;
    private const long BytesPerMiB = 1024L * 1024;

    private readonly XenApiSession _session;
    private readonly HypervisorCallPolicy _policy;
    private readonly ILogger _logger;
    private readonly XenInventory _inventory;
    private readonly Func<string, int?, SslClientAuthenticationOptions> _consoleTls;
    private int _disposed;

    internal XenApiConnection(HypervisorTarget target, XenApiSession session, HypervisorCallPolicy policy, ILogger logger,
        Func<string, int?, SslClientAuthenticationOptions> consoleTls)
    {
        Target = target;
        _consoleTls = consoleTls;
        _session = session;
        _policy = policy;
        _logger = logger;
        _inventory = new XenInventory(session, ReadAllGuestsAsync, policy.Timeout, logger, target.ToString());
    }

    public HypervisorTarget Target { get; }

    /// <summary>HTTP has no connection to lose: the session lives until closed (an expired one is made again).</summary>
    public bool IsAlive => Volatile.Read(ref _disposed) == 0;

    /// <summary>How many times this connection logged in (for tests: sessions are re-made, not leaked).</summary>
    public int Logins => _session.Logins;

    /// <summary>The master the calls go to (after a HOST_IS_SLAVE redirect, not the target's host).</summary>
    public Uri Endpoint => _session.Endpoint;

    internal HypervisorCallPolicy Policy => _policy;

    /// <summary>The event-fed guest list (for tests: whether it is on and how often it was seeded).</summary>
    internal XenInventory Inventory => _inventory;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _inventory.DisposeAsync(); // Its wait on event.from ends before the session is logged out.
            await _session.DisposeAsync();
        }
    }

    public async Task<PoolInfo> GetPoolInfoAsync(CancellationToken cancellationToken)
    {
        var poolsTask = Call.AllPools(cancellationToken);
        var hostsTask = Call.AllHosts(cancellationToken);
        var metricsTask = Call.AllHostMetrics(cancellationToken);
        var pools = await poolsTask;
        var hosts = await hostsTask;
        var metrics = await metricsTask;

        var pool = pools.Values.FirstOrDefault() ?? throw new HypervisorErrorException("The Xen host answered no pool.");
        var master = hosts.GetValueOrDefault(pool.Master);
        long total = 0, free = 0;
        foreach (var host in hosts.Values)
        {
            if (metrics.TryGetValue(host.Metrics, out var m))
            {
                total += m.MemoryTotal;
                free += m.MemoryFree;
            }
        }

        return new PoolInfo(
            UsedMemory: (total - free) / BytesPerMiB,
            TotalMemory: total / BytesPerMiB,
            Uuid: pool.Uuid,
            Master: master?.Address ?? "",
            SoftwareInfo: new SoftwareInfo(
                Version: master?.SoftwareVersion.GetValueOrDefault("product_version") ?? master?.SoftwareVersion.GetValueOrDefault("xapi") ?? "",
                Hypervisor: "xen",
                LibraryVersion: master is null ? "" : $"XenAPI {master.ApiVersionMajor}.{master.ApiVersionMinor}"));
    }

    public async Task<IReadOnlyList<HostInfo>> ListHostsAsync(CancellationToken cancellationToken)
    {
        var hostsTask = Call.AllHosts(cancellationToken);
        var metrics = await Call.AllHostMetrics(cancellationToken);
        var hosts = await hostsTask;
        return [.. hosts.Values.Select(h => ToHost(h, metrics.GetValueOrDefault(h.Metrics))).OrderBy(h => h.Name, StringComparer.Ordinal)];
    }

    /// <summary>A host by name, uuid or address.</summary>
    public async Task<HostInfo> GetHostAsync(string hostId, CancellationToken cancellationToken)
    {
        var hosts = await ListHostsAsync(cancellationToken);
        var byName = hosts.FirstOrDefault(h => h.Name == hostId || h.Address == hostId);
        if (byName is not null)
        {
            return byName;
        }

        var all = await Call.AllHosts(cancellationToken);
        var byUuid = all.Values.FirstOrDefault(h => string.Equals(h.Uuid, hostId, StringComparison.OrdinalIgnoreCase));
        return byUuid is not null
            ? hosts.First(h => h.Name == byUuid.NameLabel)
            : throw EntityNotFoundException.Of("Host", hostId);
    }

    private static HostInfo ToHost(HostRecord host, HostMetricsRecord? metrics)
        => new(
            Id: host.NameLabel,
            Name: host.NameLabel,
            Address: host.Address,
            Cpus: int.TryParse(host.CpuInfo.GetValueOrDefault("cpu_count"), out var cpus) ? cpus : 0,
            Memory: (metrics?.MemoryTotal ?? 0) / BytesPerMiB,
            HypervisorVersion: host.SoftwareVersion.GetValueOrDefault("xen") ?? host.SoftwareVersion.GetValueOrDefault("product_version") ?? "");

    private XenApiCalls Call => new(_session);
}
