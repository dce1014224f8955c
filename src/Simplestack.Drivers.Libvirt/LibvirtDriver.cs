using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// The libvirt driver for one URL word: <c>test</c> (the embedded test hypervisor), <c>kvm</c>
/// (QEMU, alias <c>qemu</c>) or <c>lxc</c>.
/// </summary>
public sealed class LibvirtDriver : IHypervisorDriver
{
    private readonly LibvirtDriverOptions _options;
    private readonly ILogger _logger;

    private LibvirtDriver(string name, LibvirtFlavor flavor, LibvirtDriverOptions options, ILoggerFactory? loggers)
    {
        Name = name;
        Flavor = flavor;
        _options = options;
        _logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger("Simplestack.Drivers.Libvirt");
    }

    public string Name { get; }

    public LibvirtFlavor Flavor { get; }

    /// <summary>
    /// The type of this flavor's connections: the capability interfaces it implements are what
    /// the driver can do (<see cref="Capability.Of"/>; LXC's containers lack disks, media,
    /// snapshots, images, clones and exports).
    /// </summary>
    public Type ConnectionType => Flavor == LibvirtFlavor.Lxc ? typeof(LibvirtContainerConnection) : typeof(LibvirtMachineConnection);

    public IReadOnlyList<DriverNote> Notes => LibvirtDriverNotes.For(Flavor);

    public static LibvirtDriver Test(LibvirtDriverOptions options, ILoggerFactory? loggers = null) => new("test", LibvirtFlavor.Test, options, loggers);

    public static LibvirtDriver Qemu(LibvirtDriverOptions options, ILoggerFactory? loggers = null) => new("kvm", LibvirtFlavor.Qemu, options, loggers);

    public static LibvirtDriver Lxc(LibvirtDriverOptions options, ILoggerFactory? loggers = null) => new("lxc", LibvirtFlavor.Lxc, options, loggers);

    public bool RequiresCredentials(HypervisorTarget target) => Flavor != LibvirtFlavor.Test && !target.IsLocal;

    public bool IsSharedTarget(HypervisorTarget target) => Flavor == LibvirtFlavor.Test;

    public async Task<IHypervisorConnection> ConnectAsync(HypervisorTarget target, HypervisorCredentials? credentials, CancellationToken cancellationToken)
    {
        var uri = LibvirtUris.For(Flavor, target, _options, credentials?.User);
        var calls = new LibvirtCalls(Name, _options.MaxConcurrentCalls, TimeSpan.FromSeconds(_options.CallTimeoutSeconds));
        return await calls.RunAsync<IHypervisorConnection>(
            () =>
            {
                // Events (the inventory) and keepalive need libvirt's event loop, registered before the connection opens.
                Simplestack.Libvirt.Libvirt.EnsureEventLoop();
                var connection = LibvirtConnection.Open(uri, credentials is null ? null : new LibvirtCredentials(credentials.User, credentials.Password));
                try
                {
                    if (Flavor == LibvirtFlavor.Test)
                    {
                        SeedDemoImage(connection);
                    }
                    else
                    {
                        EnableKeepAlive(connection);
                    }

                    return Flavor == LibvirtFlavor.Lxc
                        ? new LibvirtContainerConnection(target, connection, calls, _options, _logger)
                        : new LibvirtMachineConnection(Flavor, target, connection, calls, _options, _logger);
                }
                catch
                {
                    connection.Dispose();
                    throw;
                }
            },
            cancellationToken);
    }

    /// <summary>Keepalive probes every this many seconds on transports that have them (remote and libvirtd sockets).</summary>
    public const int KeepAliveIntervalSeconds = 5;

    /// <summary>Unanswered probes after which libvirt closes the connection (IsAlive turns false and the pool replaces it).</summary>
    public const uint KeepAliveCount = 3;

    private static void EnableKeepAlive(LibvirtConnection connection)
    {
        try
        {
            connection.SetKeepAlive(KeepAliveIntervalSeconds, KeepAliveCount);
        }
        catch (LibvirtException)
        {
            // A transport without keepalive (an in-process driver): nothing to probe.
        }
    }

    /// <summary>The demo image's name on the test hypervisor.</summary>
    public const string DemoImage = "demo-image.qcow2";

    /// <summary>
    /// Out of the box the test hypervisor has an image pool with one small image, so images are
    /// never an empty list and a guest can be created from an image at once (API.md §6).
    /// </summary>
    private static void SeedDemoImage(LibvirtConnection connection)
    {
        // The test hypervisor's state is shared by every connection of the process: seed once at a time.
        lock (SeedGate)
        {
            SeedDemoImageOnce(connection);
        }
    }

    private static readonly Lock SeedGate = new();

    private static void SeedDemoImageOnce(LibvirtConnection connection)
    {
        var pool = connection.TryLookupStoragePoolByName(LibvirtMachineConnection.DefaultImagePool);
        if (pool is null)
        {
            pool = connection.DefineStoragePool(Xml.StoragePoolXml.BuildDirectory(LibvirtMachineConnection.DefaultImagePool, "/images"));
            pool.Start();
        }

        using (pool)
        using (var existing = pool.TryLookupVolumeByName(DemoImage))
        {
            if (existing is null)
            {
                pool.CreateVolume(Xml.VolumeXml.Build(new Xml.VolumeDefinition(DemoImage, 64L * 1024 * 1024, "qcow2"))).Dispose();
            }
        }
    }
}
