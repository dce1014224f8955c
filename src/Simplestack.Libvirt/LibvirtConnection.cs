using Simplestack.Libvirt.Interop;

namespace Simplestack.Libvirt;

/// <summary>A libvirt connection (<c>virConnectPtr</c>). Thread-safe, like libvirt's connections.</summary>
public sealed class LibvirtConnection : IDisposable
{
    private readonly Lock eventLock = new();
    private EventDispatcher<LibvirtDomainEvent>? lifecycleDispatcher;
    private int nativeLifecycleCallbackId = -1;
    private int lastCallbackId;
    private EventDispatcher<LibvirtDomainChange>? changeDispatcher;
    private List<int> nativeChangeCallbackIds = [];

    private readonly string openedUri;

    private LibvirtConnection(ConnectionHandle handle, string openedUri)
    {
        Handle = handle;
        this.openedUri = openedUri;
    }

    internal ConnectionHandle Handle { get; }

    /// <summary>Opens a connection with <c>virConnectOpenAuth</c>; credentials, if given, answer libvirt's prompts.</summary>
    public static LibvirtConnection Open(string uri, LibvirtCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        Libvirt.EnsureInitialized();
        return new LibvirtConnection(Proxy.Open(uri, credentials), uri);
    }

    public string Uri => Proxy.GetUri(Handle);

    public string HostName => Proxy.GetHostname(Handle);

    public string HypervisorType => Proxy.GetType(Handle);

    public ulong HypervisorVersion => Proxy.GetVersion(Handle);

    public ulong LibraryVersion => Proxy.GetLibVersion(Handle);

    /// <summary><c>virConnectIsAlive</c> == 1; false once disposed.</summary>
    public bool IsAlive
    {
        get
        {
            try
            {
                return !Handle.IsClosed && Proxy.IsAlive(Handle);
            }
            catch (ObjectDisposedException)
            {
                return false; // disposed concurrently
            }
        }
    }

    public void SetKeepAlive(int intervalSeconds, uint count) => Proxy.SetKeepAlive(Handle, intervalSeconds, count);

    public NodeInfo GetNodeInfo() => Proxy.GetNodeInfo(Handle);

    public ulong GetFreeMemoryBytes() => Proxy.GetFreeMemory(Handle);

    public string GetCapabilitiesXml() => Proxy.GetCapabilities(Handle);

    public IReadOnlyList<LibvirtDomain> ListAllDomains(uint flags = 0) =>
        Array.ConvertAll(Proxy.ListAllDomains(Handle, flags), h => new LibvirtDomain(this, h));

    public IReadOnlyList<DomainStatsRecord> GetAllDomainStats(DomainStatsTypes stats, uint flags = 0) =>
        Proxy.GetAllDomainStats(Handle, (uint)stats, flags)
            .ConvertAll(r => new DomainStatsRecord(new LibvirtDomain(this, r.Domain), r.Parameters));

    /// <summary>Null if no such domain or if <paramref name="uuid"/> is not a valid UUID; throws for other failures.</summary>
    public LibvirtDomain? TryLookupDomainByUuid(string uuid)
    {
        ArgumentNullException.ThrowIfNull(uuid);
        var h = Errors.CheckOrNull(
            NativeMethods.virDomainLookupByUUIDString(Handle, uuid), "virDomainLookupByUUIDString", LibvirtErrorCode.NoDomain, LibvirtErrorCode.InvalidArg);
        return h is null ? null : new LibvirtDomain(this, h);
    }

    public LibvirtDomain? TryLookupDomainByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var h = Errors.CheckOrNull(NativeMethods.virDomainLookupByName(Handle, name), "virDomainLookupByName", LibvirtErrorCode.NoDomain);
        return h is null ? null : new LibvirtDomain(this, h);
    }

    /// <summary><c>virDomainDefineXMLFlags</c>.</summary>
    public LibvirtDomain DefineDomain(string xml, uint flags = 0)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return new LibvirtDomain(this, Errors.Check(NativeMethods.virDomainDefineXMLFlags(Handle, xml, flags), "virDomainDefineXMLFlags"));
    }

    public LibvirtDomain CreateTransientDomain(string xml, uint flags = 0)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return new LibvirtDomain(this, Errors.Check(NativeMethods.virDomainCreateXML(Handle, xml, flags), "virDomainCreateXML"));
    }

    public IReadOnlyList<LibvirtNetwork> ListAllNetworks(uint flags = 0) =>
        Array.ConvertAll(Proxy.ListAllNetworks(Handle, flags), h => new LibvirtNetwork(this, h));

    public LibvirtNetwork? TryLookupNetworkByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var h = Errors.CheckOrNull(NativeMethods.virNetworkLookupByName(Handle, name), "virNetworkLookupByName", LibvirtErrorCode.NoNetwork);
        return h is null ? null : new LibvirtNetwork(this, h);
    }

    public LibvirtNetwork? TryLookupNetworkByUuid(string uuid)
    {
        ArgumentNullException.ThrowIfNull(uuid);
        var h = Errors.CheckOrNull(
            NativeMethods.virNetworkLookupByUUIDString(Handle, uuid), "virNetworkLookupByUUIDString", LibvirtErrorCode.NoNetwork, LibvirtErrorCode.InvalidArg);
        return h is null ? null : new LibvirtNetwork(this, h);
    }

    public LibvirtNetwork DefineNetwork(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return new LibvirtNetwork(this, Errors.Check(NativeMethods.virNetworkDefineXML(Handle, xml), "virNetworkDefineXML"));
    }

    public IReadOnlyList<LibvirtStoragePool> ListAllStoragePools(uint flags = 0) =>
        Array.ConvertAll(Proxy.ListAllStoragePools(Handle, flags), h => new LibvirtStoragePool(this, h));

    public LibvirtStoragePool? TryLookupStoragePoolByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var h = Errors.CheckOrNull(NativeMethods.virStoragePoolLookupByName(Handle, name), "virStoragePoolLookupByName", LibvirtErrorCode.NoStoragePool);
        return h is null ? null : new LibvirtStoragePool(this, h);
    }

    public LibvirtStoragePool? TryLookupStoragePoolByUuid(string uuid)
    {
        ArgumentNullException.ThrowIfNull(uuid);
        var h = Errors.CheckOrNull(
            NativeMethods.virStoragePoolLookupByUUIDString(Handle, uuid),
            "virStoragePoolLookupByUUIDString",
            LibvirtErrorCode.NoStoragePool,
            LibvirtErrorCode.InvalidArg);
        return h is null ? null : new LibvirtStoragePool(this, h);
    }

    public LibvirtStoragePool DefineStoragePool(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return new LibvirtStoragePool(this, Errors.Check(NativeMethods.virStoragePoolDefineXML(Handle, xml, 0), "virStoragePoolDefineXML"));
    }

    public LibvirtStorageVolume? TryLookupStorageVolumeByPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var h = Errors.CheckOrNull(NativeMethods.virStorageVolLookupByPath(Handle, path), "virStorageVolLookupByPath", LibvirtErrorCode.NoStorageVol);
        return h is null ? null : new LibvirtStorageVolume(this, h);
    }

    public LibvirtStream NewStream(uint flags = 0) =>
        new(this, Errors.Check(NativeMethods.virStreamNew(Handle, flags), "virStreamNew"));

    /// <summary>
    /// Registers a lifecycle callback (<c>VIR_DOMAIN_EVENT_ID_LIFECYCLE</c>) for every domain. Callbacks run on the event
    /// loop thread: call <see cref="Libvirt.EnsureEventLoop"/> before opening this connection. Exceptions they throw are
    /// dropped. Any number of callbacks may be registered: the connection holds one libvirt registration and fans out.
    /// </summary>
    /// <returns>The callback id for <see cref="DeregisterDomainEvents"/>.</returns>
    public int RegisterDomainLifecycleEvents(Action<LibvirtDomainEvent> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (eventLock)
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
            if (lifecycleDispatcher is null)
            {
                var dispatcher = new EventDispatcher<LibvirtDomainEvent>();
                nativeLifecycleCallbackId = Proxy.RegisterLifecycle(Handle, dispatcher);
                lifecycleDispatcher = dispatcher;
            }

            var id = ++lastCallbackId;
            lifecycleDispatcher.Add(id, callback);
            return id;
        }
    }

    /// <summary>
    /// Registers a callback for every <see cref="DomainChange"/> event of every domain (metadata,
    /// devices, balloon, tunables): what changes a domain without a lifecycle event. Those the
    /// driver does not emit are left out. Callbacks run on the event loop thread, as lifecycle ones.
    /// </summary>
    /// <returns>The callback id for <see cref="DeregisterDomainEvents"/>.</returns>
    public int RegisterDomainChangeEvents(Action<LibvirtDomainChange> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (eventLock)
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
            if (changeDispatcher is null)
            {
                var dispatcher = new EventDispatcher<LibvirtDomainChange>();
                var ids = new List<int>();
                foreach (var change in Enum.GetValues<DomainChange>())
                {
                    try
                    {
                        ids.Add(Proxy.RegisterChange(Handle, change, dispatcher));
                    }
                    catch (LibvirtException e) when (e.Code is LibvirtErrorCode.NoSupport or LibvirtErrorCode.InvalidArg)
                    {
                        // An older daemon or a driver without this event: the others still count.
                    }
                }

                changeDispatcher = dispatcher;
                nativeChangeCallbackIds = ids;
            }

            var id = ++lastCallbackId;
            changeDispatcher.Add(id, callback);
            return id;
        }
    }

    /// <summary>Removes a callback registered with <see cref="RegisterDomainLifecycleEvents"/> or <see cref="RegisterDomainChangeEvents"/>.</summary>
    /// <exception cref="LibvirtException">With <see cref="LibvirtErrorCode.InvalidArg"/> if no such callback is registered.</exception>
    public void DeregisterDomainEvents(int callbackId)
    {
        lock (eventLock)
        {
            if (changeDispatcher is not null && changeDispatcher.Remove(callbackId))
            {
                if (changeDispatcher.IsEmpty)
                {
                    changeDispatcher = null;
                    DeregisterChanges();
                }

                return;
            }

            if (lifecycleDispatcher is null || !lifecycleDispatcher.Remove(callbackId))
            {
                throw new LibvirtException($"no domain event callback with id {callbackId}", LibvirtErrorCode.InvalidArg, 0, 2);
            }

            if (lifecycleDispatcher.IsEmpty)
            {
                var nativeId = nativeLifecycleCallbackId;
                lifecycleDispatcher = null;
                nativeLifecycleCallbackId = -1;
                Proxy.DeregisterEvent(Handle, nativeId);
            }
        }
    }

    /// <summary>Deregisters this connection's event callbacks and closes it (<c>virConnectClose</c>).</summary>
    public void Dispose()
    {
        lock (eventLock)
        {
            if (Handle.IsClosed)
            {
                return;
            }

            if (lifecycleDispatcher is not null)
            {
                lifecycleDispatcher = null;
                try
                {
                    Proxy.DeregisterEvent(Handle, nativeLifecycleCallbackId);
                }
                catch (LibvirtException)
                {
                    // The connection may already be broken; closing it releases the registration anyway.
                }

                nativeLifecycleCallbackId = -1;
            }

            if (changeDispatcher is not null)
            {
                changeDispatcher = null;
                try
                {
                    DeregisterChanges();
                }
                catch (LibvirtException)
                {
                    // As above: closing releases them.
                }
            }

            Handle.Dispose();
        }
    }

    private void DeregisterChanges()
    {
        var ids = nativeChangeCallbackIds;
        nativeChangeCallbackIds = [];
        foreach (var id in ids)
        {
            Proxy.DeregisterEvent(Handle, id);
        }
    }

    public override string ToString() => $"LibvirtConnection {openedUri}{(Handle.IsClosed ? " (closed)" : string.Empty)}";
}
