using System.Runtime.InteropServices;

namespace Simplestack.Libvirt.Interop;

/// <summary>
/// Raw libvirt entry points (layer 1). Nothing here checks for errors: see <see cref="Proxy"/>.
/// Functions returning an owned <c>char *</c> return <see cref="nint"/> so the caller can free it with libc <c>free</c>;
/// functions returning <c>const char *</c> also return <see cref="nint"/> (never freed).
/// </summary>
internal static unsafe partial class NativeMethods
{
    internal const string LibraryName = "libvirt.so.0";

    /// <summary>VIR_UUID_STRING_BUFLEN.</summary>
    internal const int UuidStringBufferLength = 37;

    // ---- library / errors / events ----

    [LibraryImport(LibraryName)]
    internal static partial int virInitialize();

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virGetVersion(out nuint libVer, string? type, nuint* typeVer);

    [LibraryImport(LibraryName)]
    internal static partial void virSetErrorFunc(void* userData, delegate* unmanaged<void*, VirError*, void> handler);

    [LibraryImport(LibraryName)]
    internal static partial VirError* virGetLastError();

    [LibraryImport(LibraryName)]
    internal static partial void virResetLastError();

    [LibraryImport(LibraryName)]
    internal static partial int virEventRegisterDefaultImpl();

    [LibraryImport(LibraryName)]
    internal static partial int virEventRunDefaultImpl();

    // ---- connection ----

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ConnectionHandle virConnectOpenAuth(string name, VirConnectAuth* auth, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virConnectClose(nint conn);

    [LibraryImport(LibraryName)]
    internal static partial nint virConnectGetURI(ConnectionHandle conn);

    [LibraryImport(LibraryName)]
    internal static partial nint virConnectGetHostname(ConnectionHandle conn);

    [LibraryImport(LibraryName)]
    internal static partial nint virConnectGetType(ConnectionHandle conn);

    [LibraryImport(LibraryName)]
    internal static partial int virConnectGetVersion(ConnectionHandle conn, out nuint hvVer);

    [LibraryImport(LibraryName)]
    internal static partial int virConnectGetLibVersion(ConnectionHandle conn, out nuint libVer);

    [LibraryImport(LibraryName)]
    internal static partial int virConnectIsAlive(ConnectionHandle conn);

    [LibraryImport(LibraryName)]
    internal static partial int virConnectSetKeepAlive(ConnectionHandle conn, int interval, uint count);

    [LibraryImport(LibraryName)]
    internal static partial int virNodeGetInfo(ConnectionHandle conn, out VirNodeInfo info);

    [LibraryImport(LibraryName)]
    internal static partial ulong virNodeGetFreeMemory(ConnectionHandle conn);

    [LibraryImport(LibraryName)]
    internal static partial nint virConnectGetCapabilities(ConnectionHandle conn);

    [LibraryImport(LibraryName)]
    internal static partial int virConnectListAllDomains(ConnectionHandle conn, out nint* domains, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virConnectGetAllDomainStats(ConnectionHandle conn, uint stats, out VirDomainStatsRecord** retStats, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial void virDomainStatsRecordListFree(VirDomainStatsRecord** stats);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainLookupByUUIDString(ConnectionHandle conn, string uuidstr);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainLookupByName(ConnectionHandle conn, string name);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainDefineXMLFlags(ConnectionHandle conn, string xml, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainCreateXML(ConnectionHandle conn, string xmlDesc, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainRef(nint domain);

    [LibraryImport(LibraryName)]
    internal static partial int virConnectListAllNetworks(ConnectionHandle conn, out nint* nets, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NetworkHandle virNetworkLookupByName(ConnectionHandle conn, string name);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NetworkHandle virNetworkLookupByUUIDString(ConnectionHandle conn, string uuidstr);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NetworkHandle virNetworkDefineXML(ConnectionHandle conn, string xml);

    [LibraryImport(LibraryName)]
    internal static partial int virConnectListAllStoragePools(ConnectionHandle conn, out nint* pools, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StoragePoolHandle virStoragePoolLookupByName(ConnectionHandle conn, string name);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StoragePoolHandle virStoragePoolLookupByUUIDString(ConnectionHandle conn, string uuidstr);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StoragePoolHandle virStoragePoolDefineXML(ConnectionHandle conn, string xml, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StorageVolumeHandle virStorageVolLookupByPath(ConnectionHandle conn, string path);

    [LibraryImport(LibraryName)]
    internal static partial StoragePoolHandle virStoragePoolLookupByVolume(StorageVolumeHandle vol);

    [LibraryImport(LibraryName)]
    internal static partial StreamHandle virStreamNew(ConnectionHandle conn, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virConnectDomainEventRegisterAny(
        ConnectionHandle conn,
        nint dom,
        int eventID,
        delegate* unmanaged<nint, nint, int, int, void*, int> cb,
        void* opaque,
        delegate* unmanaged<void*, void> freecb);

    [LibraryImport(LibraryName)]
    internal static partial int virConnectDomainEventDeregisterAny(ConnectionHandle conn, int callbackID);

    // ---- domain ----

    [LibraryImport(LibraryName)]
    internal static partial int virDomainFree(nint domain);

    [LibraryImport(LibraryName)]
    internal static partial nint virDomainGetName(DomainHandle domain);

    [LibraryImport(LibraryName, EntryPoint = "virDomainGetName")]
    internal static partial nint virDomainGetNameRaw(nint domain);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainGetUUIDString(DomainHandle domain, byte* buf);

    [LibraryImport(LibraryName, EntryPoint = "virDomainGetUUIDString")]
    internal static partial int virDomainGetUUIDStringRaw(nint domain, byte* buf);

    [LibraryImport(LibraryName)]
    internal static partial uint virDomainGetID(DomainHandle domain);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainGetInfo(DomainHandle domain, out VirDomainInfo info);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainGetState(DomainHandle domain, out int state, out int reason, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial nint virDomainGetXMLDesc(DomainHandle domain, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainOpenConsole(DomainHandle dom, string? devName, StreamHandle st, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainOpenGraphicsFD(DomainHandle dom, uint idx, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainIsActive(DomainHandle dom);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainIsPersistent(DomainHandle dom);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainHasManagedSaveImage(DomainHandle dom, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainGetAutostart(DomainHandle domain, out int autostart);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainSetAutostart(DomainHandle domain, int autostart);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainCreateWithFlags(DomainHandle domain, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainShutdown(DomainHandle domain);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainDestroy(DomainHandle domain);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainReboot(DomainHandle domain, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainReset(DomainHandle domain, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainSuspend(DomainHandle domain);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainResume(DomainHandle domain);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainUndefineFlags(DomainHandle domain, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainSetMemoryFlags(DomainHandle domain, nuint memory, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainSetVcpusFlags(DomainHandle domain, uint nvcpus, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainAttachDeviceFlags(DomainHandle domain, string xml, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainDetachDeviceFlags(DomainHandle domain, string xml, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainUpdateDeviceFlags(DomainHandle domain, string xml, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainBlockResize(DomainHandle dom, string disk, ulong size, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainGetBlockInfo(DomainHandle domain, string disk, out VirDomainBlockInfo info, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint virDomainGetMetadata(DomainHandle domain, int type, string? uri, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainSetMetadata(DomainHandle domain, int type, string? metadata, string? key, string? uri, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainRename(DomainHandle dom, string new_name, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainInterfaceAddresses(DomainHandle dom, out VirDomainInterface** ifaces, uint source, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial void virDomainInterfaceFree(VirDomainInterface* iface);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainListAllSnapshots(DomainHandle domain, out nint* snaps, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainSnapshotHandle virDomainSnapshotLookupByName(DomainHandle domain, string name, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainSnapshotHandle virDomainSnapshotCreateXML(DomainHandle domain, string xmlDesc, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial DomainSnapshotHandle virDomainSnapshotCurrent(DomainHandle domain, uint flags);

    // ---- snapshot ----

    [LibraryImport(LibraryName)]
    internal static partial int virDomainSnapshotFree(nint snapshot);

    [LibraryImport(LibraryName)]
    internal static partial nint virDomainSnapshotGetName(DomainSnapshotHandle snapshot);

    [LibraryImport(LibraryName)]
    internal static partial nint virDomainSnapshotGetXMLDesc(DomainSnapshotHandle snapshot, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainRevertToSnapshot(DomainSnapshotHandle snapshot, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainSnapshotDelete(DomainSnapshotHandle snapshot, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virDomainSnapshotIsCurrent(DomainSnapshotHandle snapshot, uint flags);

    // ---- network ----

    [LibraryImport(LibraryName)]
    internal static partial int virNetworkFree(nint network);

    [LibraryImport(LibraryName)]
    internal static partial nint virNetworkGetName(NetworkHandle network);

    [LibraryImport(LibraryName)]
    internal static partial int virNetworkGetUUIDString(NetworkHandle network, byte* buf);

    [LibraryImport(LibraryName)]
    internal static partial nint virNetworkGetXMLDesc(NetworkHandle network, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virNetworkIsActive(NetworkHandle net);

    [LibraryImport(LibraryName)]
    internal static partial int virNetworkIsPersistent(NetworkHandle net);

    [LibraryImport(LibraryName)]
    internal static partial int virNetworkGetAutostart(NetworkHandle network, out int autostart);

    [LibraryImport(LibraryName)]
    internal static partial int virNetworkSetAutostart(NetworkHandle network, int autostart);

    [LibraryImport(LibraryName)]
    internal static partial nint virNetworkGetBridgeName(NetworkHandle network);

    [LibraryImport(LibraryName)]
    internal static partial int virNetworkCreate(NetworkHandle network);

    [LibraryImport(LibraryName)]
    internal static partial int virNetworkDestroy(NetworkHandle network);

    [LibraryImport(LibraryName)]
    internal static partial int virNetworkUndefine(NetworkHandle network);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virNetworkGetDHCPLeases(NetworkHandle network, string? mac, out VirNetworkDHCPLease** leases, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial void virNetworkDHCPLeaseFree(VirNetworkDHCPLease* lease);

    // ---- storage pool ----

    [LibraryImport(LibraryName)]
    internal static partial int virStoragePoolFree(nint pool);

    [LibraryImport(LibraryName)]
    internal static partial nint virStoragePoolGetName(StoragePoolHandle pool);

    [LibraryImport(LibraryName)]
    internal static partial int virStoragePoolGetUUIDString(StoragePoolHandle pool, byte* buf);

    [LibraryImport(LibraryName)]
    internal static partial int virStoragePoolGetInfo(StoragePoolHandle pool, out VirStoragePoolInfo info);

    [LibraryImport(LibraryName)]
    internal static partial nint virStoragePoolGetXMLDesc(StoragePoolHandle pool, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virStoragePoolIsActive(StoragePoolHandle pool);

    [LibraryImport(LibraryName)]
    internal static partial int virStoragePoolGetAutostart(StoragePoolHandle pool, out int autostart);

    [LibraryImport(LibraryName)]
    internal static partial int virStoragePoolSetAutostart(StoragePoolHandle pool, int autostart);

    [LibraryImport(LibraryName)]
    internal static partial int virStoragePoolCreate(StoragePoolHandle pool, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virStoragePoolDestroy(StoragePoolHandle pool);

    [LibraryImport(LibraryName)]
    internal static partial int virStoragePoolUndefine(StoragePoolHandle pool);

    [LibraryImport(LibraryName)]
    internal static partial int virStoragePoolRefresh(StoragePoolHandle pool, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virStoragePoolListAllVolumes(StoragePoolHandle pool, out nint* vols, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StorageVolumeHandle virStorageVolLookupByName(StoragePoolHandle pool, string name);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StorageVolumeHandle virStorageVolCreateXML(StoragePoolHandle pool, string xmlDesc, uint flags);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StorageVolumeHandle virStorageVolCreateXMLFrom(StoragePoolHandle pool, string xmlDesc, StorageVolumeHandle clonevol, uint flags);

    // ---- storage volume ----

    [LibraryImport(LibraryName)]
    internal static partial int virStorageVolFree(nint vol);

    [LibraryImport(LibraryName)]
    internal static partial nint virStorageVolGetName(StorageVolumeHandle vol);

    [LibraryImport(LibraryName)]
    internal static partial nint virStorageVolGetKey(StorageVolumeHandle vol);

    [LibraryImport(LibraryName)]
    internal static partial nint virStorageVolGetPath(StorageVolumeHandle vol);

    [LibraryImport(LibraryName)]
    internal static partial int virStorageVolGetInfo(StorageVolumeHandle vol, out VirStorageVolInfo info);

    [LibraryImport(LibraryName)]
    internal static partial nint virStorageVolGetXMLDesc(StorageVolumeHandle vol, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virStorageVolDelete(StorageVolumeHandle vol, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virStorageVolResize(StorageVolumeHandle vol, ulong capacity, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virStorageVolUpload(StorageVolumeHandle vol, StreamHandle stream, ulong offset, ulong length, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int virStorageVolDownload(StorageVolumeHandle vol, StreamHandle stream, ulong offset, ulong length, uint flags);

    // ---- stream ----

    [LibraryImport(LibraryName)]
    internal static partial int virStreamFree(nint stream);

    [LibraryImport(LibraryName)]
    internal static partial int virStreamSend(StreamHandle stream, byte* data, nuint nbytes);

    [LibraryImport(LibraryName)]
    internal static partial int virStreamRecv(StreamHandle stream, byte* data, nuint nbytes);

    [LibraryImport(LibraryName)]
    internal static partial int virStreamFinish(StreamHandle stream);

    [LibraryImport(LibraryName)]
    internal static partial int virStreamAbort(StreamHandle stream);

    [LibraryImport(LibraryName)]
    internal static partial int virStreamEventAddCallback(
        StreamHandle stream,
        int events,
        delegate* unmanaged<nint, int, void*, void> cb,
        void* opaque,
        delegate* unmanaged<void*, void> ff);

    [LibraryImport(LibraryName)]
    internal static partial int virStreamEventUpdateCallback(StreamHandle stream, int events);

    [LibraryImport(LibraryName)]
    internal static partial int virStreamEventRemoveCallback(StreamHandle stream);
}
