using Simplestack.Libvirt.Interop;

namespace Simplestack.Libvirt;

/// <summary>A libvirt storage pool (<c>virStoragePoolPtr</c>). Keeps its connection alive.</summary>
public sealed class LibvirtStoragePool : IDisposable
{
    internal LibvirtStoragePool(LibvirtConnection connection, StoragePoolHandle handle)
    {
        Connection = connection;
        Handle = handle;
        Name = Errors.BorrowedString(NativeMethods.virStoragePoolGetName(handle), "virStoragePoolGetName");
        Uuid = Proxy.StoragePoolUuid(handle);
    }

    internal StoragePoolHandle Handle { get; }

    public LibvirtConnection Connection { get; }

    public string Name { get; }

    public string Uuid { get; }

    public StoragePoolInfo GetInfo()
    {
        Errors.Check(NativeMethods.virStoragePoolGetInfo(Handle, out var info), "virStoragePoolGetInfo");
        return new StoragePoolInfo((StoragePoolState)info.State, info.Capacity, info.Allocation, info.Available);
    }

    public string GetXmlDesc(uint flags = 0) =>
        Errors.OwnedString(NativeMethods.virStoragePoolGetXMLDesc(Handle, flags), "virStoragePoolGetXMLDesc");

    public bool IsActive => Errors.CheckBool(NativeMethods.virStoragePoolIsActive(Handle), "virStoragePoolIsActive");

    public bool Autostart
    {
        get
        {
            Errors.Check(NativeMethods.virStoragePoolGetAutostart(Handle, out var autostart), "virStoragePoolGetAutostart");
            return autostart != 0;
        }
        set => Errors.Check(NativeMethods.virStoragePoolSetAutostart(Handle, value ? 1 : 0), "virStoragePoolSetAutostart");
    }

    public void Start() => Errors.Check(NativeMethods.virStoragePoolCreate(Handle, 0), "virStoragePoolCreate");

    public void Destroy() => Errors.Check(NativeMethods.virStoragePoolDestroy(Handle), "virStoragePoolDestroy");

    public void Undefine() => Errors.Check(NativeMethods.virStoragePoolUndefine(Handle), "virStoragePoolUndefine");

    public void Refresh() => Errors.Check(NativeMethods.virStoragePoolRefresh(Handle, 0), "virStoragePoolRefresh");

    public unsafe IReadOnlyList<LibvirtStorageVolume> ListAllVolumes()
    {
        var n = Errors.Check(NativeMethods.virStoragePoolListAllVolumes(Handle, out var array, 0), "virStoragePoolListAllVolumes");
        return Array.ConvertAll(Proxy.TakeHandleArray<StorageVolumeHandle>(array, n), h => new LibvirtStorageVolume(Connection, h));
    }

    public LibvirtStorageVolume? TryLookupVolumeByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var h = Errors.CheckOrNull(NativeMethods.virStorageVolLookupByName(Handle, name), "virStorageVolLookupByName", LibvirtErrorCode.NoStorageVol);
        return h is null ? null : new LibvirtStorageVolume(Connection, h);
    }

    public LibvirtStorageVolume CreateVolume(string xml, uint flags = 0)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return new LibvirtStorageVolume(Connection, Errors.Check(NativeMethods.virStorageVolCreateXML(Handle, xml, flags), "virStorageVolCreateXML"));
    }

    /// <summary><c>virStorageVolCreateXMLFrom</c>: a new volume in this pool, its content copied from <paramref name="source"/>.</summary>
    public LibvirtStorageVolume CreateVolumeFrom(string xml, LibvirtStorageVolume source, uint flags = 0)
    {
        ArgumentNullException.ThrowIfNull(xml);
        ArgumentNullException.ThrowIfNull(source);
        return new LibvirtStorageVolume(
            Connection, Errors.Check(NativeMethods.virStorageVolCreateXMLFrom(Handle, xml, source.Handle, flags), "virStorageVolCreateXMLFrom"));
    }

    public void Dispose() => Handle.Dispose();

    public override string ToString() => $"LibvirtStoragePool {Name} ({Uuid})";
}

/// <summary>A libvirt storage volume (<c>virStorageVolPtr</c>). Keeps its connection alive.</summary>
public sealed class LibvirtStorageVolume : IDisposable
{
    internal LibvirtStorageVolume(LibvirtConnection connection, StorageVolumeHandle handle)
    {
        Connection = connection;
        Handle = handle;
        Name = Errors.BorrowedString(NativeMethods.virStorageVolGetName(handle), "virStorageVolGetName");
        Key = Errors.BorrowedString(NativeMethods.virStorageVolGetKey(handle), "virStorageVolGetKey");
    }

    internal StorageVolumeHandle Handle { get; }

    public LibvirtConnection Connection { get; }

    public string Name { get; }

    public string Key { get; }

    /// <summary><c>virStorageVolGetPath</c>.</summary>
    public string Path => Errors.OwnedString(NativeMethods.virStorageVolGetPath(Handle), "virStorageVolGetPath");

    public StorageVolumeInfo GetInfo()
    {
        Errors.Check(NativeMethods.virStorageVolGetInfo(Handle, out var info), "virStorageVolGetInfo");
        return new StorageVolumeInfo(info.Type, info.Capacity, info.Allocation);
    }

    public string GetXmlDesc() => Errors.OwnedString(NativeMethods.virStorageVolGetXMLDesc(Handle, 0), "virStorageVolGetXMLDesc");

    public void Delete() => Errors.Check(NativeMethods.virStorageVolDelete(Handle, 0), "virStorageVolDelete");

    /// <summary>The pool that holds this volume (virStoragePoolLookupByVolume).</summary>
    public LibvirtStoragePool GetPool()
        => new(Connection, Errors.Check(NativeMethods.virStoragePoolLookupByVolume(Handle), "virStoragePoolLookupByVolume"));

    public void Resize(ulong capacityBytes, uint flags = 0) =>
        Errors.Check(NativeMethods.virStorageVolResize(Handle, capacityBytes, flags), "virStorageVolResize");

    /// <summary>Starts an upload into the volume; then <see cref="LibvirtStream.Send"/> the data and <see cref="LibvirtStream.Finish"/>.</summary>
    public void Upload(LibvirtStream stream, ulong offset, ulong length)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Errors.Check(NativeMethods.virStorageVolUpload(Handle, stream.Handle, offset, length, 0), "virStorageVolUpload");
    }

    /// <summary>Starts a download from the volume; then <see cref="LibvirtStream.Receive"/> until it returns 0 and <see cref="LibvirtStream.Finish"/>.</summary>
    public void Download(LibvirtStream stream, ulong offset, ulong length)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Errors.Check(NativeMethods.virStorageVolDownload(Handle, stream.Handle, offset, length, 0), "virStorageVolDownload");
    }

    public void Dispose() => Handle.Dispose();

    public override string ToString() => $"LibvirtStorageVolume {Name}";
}
