using Microsoft.Extensions.Logging;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Inventory;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

/// <summary>
/// One logged-in vSphere session to an ESXi host or a vCenter and what the vmware driver serves
/// through it. The capability interfaces it implements are the driver's capabilities (each partial
/// file adds its own); what it lacks the platform answers with 501. Thread-safe: calls share the
/// session; managed object references are stable for the server's life, so none is cached beyond
/// one operation except the service content's managers.
/// </summary>
public sealed partial class VSphereConnection : IHypervisorConnection, IStorageManagement, IGuestPower
{
    private const long BytesPerMiB = 1024L * 1024;
    private const double BytesPerGiB = 1024d * 1024 * 1024;

    private static readonly string[] HostPaths =
    [
        "name", "summary.hardware.memorySize", "summary.hardware.numCpuThreads", "summary.hardware.uuid",
        "summary.quickStats.overallMemoryUsage", "summary.config.product.fullName", "summary.config.product.version",
    ];

    private readonly VimSession _session;
    private readonly PropertyCollector _collector;
    private readonly ILogger _logger;
    private readonly VSpherePlacementOptions _placement;
    private readonly VSphereInventory _inventory;
    private int _disposed;

    internal VSphereConnection(HypervisorTarget target, VimSession session, HypervisorCallPolicy policy, VSpherePlacementOptions placement, ILogger logger)
    {
        _placement = placement;
        Target = target;
        _session = session;
        _collector = new PropertyCollector(session);
        Policy = policy;
        _logger = logger;
        _inventory = new VSphereInventory(session, _collector, ReadAllGuestsAsync, policy.Timeout, logger, target.ToString());
    }

    public HypervisorTarget Target { get; }

    /// <summary>HTTP has no connection to lose: the session lives until closed (an expired one is made again).</summary>
    public bool IsAlive => Volatile.Read(ref _disposed) == 0;

    /// <summary>How many times this connection logged in (for tests: sessions are re-made, not leaked).</summary>
    public int Logins => _session.Logins;

    /// <summary>What the server said it is (product, version, API type).</summary>
    public ServiceContent Content => _session.Content;

    internal HypervisorCallPolicy Policy { get; }

    internal VimSession Session => _session;

    internal VSphereInventory Inventory => _inventory;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _inventory.DisposeAsync(); // Its wait ends and its collector goes before the session is logged out.
            await _session.DisposeAsync();
        }
    }

    /// <summary>
    /// The server's identity (about) and its hosts' memory: <c>summary.hardware.memorySize</c>
    /// and <c>summary.quickStats.overallMemoryUsage</c> summed over every host, in one read.
    /// </summary>
    public async Task<PoolInfo> GetPoolInfoAsync(CancellationToken cancellationToken)
    {
        var hosts = await ReadHostsAsync(cancellationToken);
        var content = _session.Content;
        return new PoolInfo(
            UsedMemory: hosts.Sum(h => h.Long("summary.quickStats.overallMemoryUsage")),
            TotalMemory: hosts.Sum(h => h.Long("summary.hardware.memorySize")) / BytesPerMiB,
            // vCenter has an instance uuid; a standalone ESXi is its one host's hardware uuid.
            Uuid: content.InstanceUuid.Length > 0 ? content.InstanceUuid : hosts.Select(h => h.Text("summary.hardware.uuid")).FirstOrDefault() ?? "",
            Master: Target.Host,
            SoftwareInfo: new SoftwareInfo(
                Version: content.Version,
                Hypervisor: "vmware",
                LibraryVersion: $"{content.FullName} ({content.ApiType}, vim25 {content.ApiVersion})"));
    }

    public async Task<IReadOnlyList<HostInfo>> ListHostsAsync(CancellationToken cancellationToken)
        => [.. (await ReadHostsAsync(cancellationToken)).Select(ToHost).OrderBy(h => h.Name, StringComparer.Ordinal)];

    /// <summary>A host by name (which vCenter shows as its address) or hardware uuid.</summary>
    public async Task<HostInfo> GetHostAsync(string hostId, CancellationToken cancellationToken)
    {
        var hosts = await ReadHostsAsync(cancellationToken);
        var host = hosts.FirstOrDefault(h => h.Text("name") == hostId)
                   ?? hosts.FirstOrDefault(h => string.Equals(h.Text("summary.hardware.uuid"), hostId, StringComparison.OrdinalIgnoreCase));
        return host is not null ? ToHost(host) : throw EntityNotFoundException.Of("Host", hostId);
    }

    private Task<IReadOnlyList<ObjectContent>> ReadHostsAsync(CancellationToken cancellationToken)
        => _collector.RetrieveAllAsync(new Dictionary<string, string[]> { ["HostSystem"] = HostPaths }, cancellationToken);

    private static HostInfo ToHost(ObjectContent host)
        => new(
            Id: host.Text("name") ?? "",
            Name: host.Text("name") ?? "",
            Address: host.Text("name") ?? "",
            Cpus: (int)host.Long("summary.hardware.numCpuThreads"),
            Memory: host.Long("summary.hardware.memorySize") / BytesPerMiB,
            HypervisorVersion: host.Text("summary.config.product.fullName") ?? host.Text("summary.config.product.version") ?? "");
}
