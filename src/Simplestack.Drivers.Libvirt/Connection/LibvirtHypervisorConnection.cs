using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Inventory;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// One open libvirt connection (the session) and the capabilities every libvirt driver serves:
/// guests, power, tags, NICs, networks, storage pools and volumes. Each flavor derives its own
/// type that adds what its hypervisor can do: <see cref="LibvirtMachineConnection"/> (test, kvm)
/// and <see cref="LibvirtContainerConnection"/> (lxc); the interfaces a type implements are the
/// driver's capabilities. libvirt connections are thread-safe, so one instance serves concurrent
/// requests; each operation runs its blocking calls through <see cref="LibvirtCalls"/> and keeps
/// the connection object alongside the domains it looks up (never <c>virDomainGetConnect</c>).
/// </summary>
public abstract partial class LibvirtHypervisorConnection :
    IHypervisorConnection, IGuestManagement, IGuestPower, IStorageManagement, IVolumeManagement,
    INetworkInterfaceManagement, ITagManagement, IGuestListTags, INetworkManagement
{
    private protected readonly LibvirtCalls _calls;
    private protected readonly LibvirtDriverOptions _options;
    private readonly ILogger _logger;
    private readonly IpAddressBook _addresses = new();
    private readonly LiveInventory _inventory;
    private string? _hostName;

    /// <summary>Subscribes to the connection's domain lifecycle events (blocking: call it on a libvirt call thread).</summary>
    private protected LibvirtHypervisorConnection(LibvirtFlavor flavor, HypervisorTarget target, LibvirtConnection native, LibvirtCalls calls, LibvirtDriverOptions options, ILogger logger)
    {
        Flavor = flavor;
        Target = target;
        Native = native;
        _calls = calls;
        _options = options;
        _logger = logger;

        // A call that fails because the daemon went away answers 503, not 502 (issue 6).
        calls.IsAlive = () => native.IsAlive;
        LiveInventory? inventory = null;
        var subscribed = false;
        if (Simplestack.Libvirt.Libvirt.IsEventLoopRunning)
        {
            try
            {
                native.RegisterDomainLifecycleEvents(e => Volatile.Read(ref inventory)?.OnEvent(e.DomainUuid));
                subscribed = true;

                // Changes that are no lifecycle event (virsh metadata, setmem, a live attach) re-read the guest too.
                native.RegisterDomainChangeEvents(e => Volatile.Read(ref inventory)?.OnEvent(e.DomainUuid));
            }
            catch (LibvirtException)
            {
                // No events on this connection: the inventory stays off and lists read the hypervisor.
            }
        }

        _inventory = new LiveInventory(new GuestSource(this), calls, subscribed);
        Volatile.Write(ref inventory, _inventory);
    }

    public HypervisorTarget Target { get; }

    public LibvirtFlavor Flavor { get; }

    /// <summary>The binding's connection, for tests that check the hypervisor's state directly.</summary>
    public LibvirtConnection Native { get; }

    public bool IsAlive => Native.IsAlive;

    private string HostName => _hostName ??= Native.HostName;

    /// <summary>Whether lists answer from the event-fed inventory (false: every list reads the hypervisor).</summary>
    public bool HasLiveInventory => _inventory.Enabled;

    /// <summary>Bulk reads of every guest this connection has made (the first list, periodic resyncs): for tests and the bench.</summary>
    public int InventoryBulkReads => _inventory.BulkReads;

    public async ValueTask DisposeAsync()
    {
        var stopping = _inventory.DisposeAsync();
        Native.Dispose();
        await stopping;
    }

    public Task<PoolInfo> GetPoolInfoAsync(CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        var node = Native.GetNodeInfo();
        var totalMiB = (long)(node.MemoryKiB / 1024);
        return new PoolInfo(
            UsedMemory: totalMiB - (long)(FreeMemoryBytes(node) / (1024 * 1024)),
            TotalMemory: totalMiB,
            Uuid: HostUuid(),
            Master: HostName,
            SoftwareInfo: new SoftwareInfo(
                Version: FormatVersion(Native.HypervisorVersion),
                Hypervisor: Native.HypervisorType,
                LibraryVersion: FormatVersion(Native.LibraryVersion)));
    }, cancellationToken);

    public Task<IReadOnlyList<HostInfo>> ListHostsAsync(CancellationToken cancellationToken)
        => _calls.RunAsync<IReadOnlyList<HostInfo>>(() => [DescribeHost()], cancellationToken);

    public Task<HostInfo> GetHostAsync(string hostId, CancellationToken cancellationToken) => _calls.RunAsync(() =>
    {
        var host = DescribeHost();
        return hostId == host.Id || hostId == host.Address || hostId == Target.Host
            ? host
            : throw EntityNotFoundException.Of("host", hostId);
    }, cancellationToken);

    private HostInfo DescribeHost()
    {
        var node = Native.GetNodeInfo();
        return new HostInfo(
            Id: HostName,
            Name: HostName,
            Address: Target.IsLocal || Flavor == LibvirtFlavor.Test ? HostName : Target.Host,
            Cpus: (int)node.Cpus,
            Memory: (long)(node.MemoryKiB / 1024),
            HypervisorVersion: FormatVersion(Native.HypervisorVersion));
    }

    private ulong FreeMemoryBytes(NodeInfo node)
    {
        try
        {
            return Native.GetFreeMemoryBytes();
        }
        catch (LibvirtException error) when (error.Code == LibvirtErrorCode.NoSupport)
        {
            // Drivers without free-memory accounting (the test driver): what running guests hold is used.
            ulong used = 0;
            foreach (var domain in Native.ListAllDomains((uint)ListDomainsFlags.Active))
            {
                using (domain)
                {
                    used += domain.GetInfo().MemoryKiB * 1024;
                }
            }

            return Math.Max(0, (node.MemoryKiB * 1024) - used);
        }
    }

    private string HostUuid()
    {
        var capabilities = XDocument.Parse(Native.GetCapabilitiesXml());
        return capabilities.Root?.Element("host")?.Element("uuid")?.Value ?? string.Empty;
    }

    /// <summary>libvirt encodes versions as major * 1,000,000 + minor * 1,000 + release.</summary>
    internal static string FormatVersion(ulong version) => $"{version / 1_000_000}.{version / 1_000 % 1_000}.{version % 1_000}";

    /// <summary>Flags of virConnectListAllDomains used here.</summary>
    [Flags]
    private enum ListDomainsFlags : uint
    {
        Active = 1,
        Inactive = 2,
    }
}
