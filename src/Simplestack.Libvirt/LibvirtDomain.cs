using Simplestack.Libvirt.Interop;

namespace Simplestack.Libvirt;

/// <summary>A libvirt domain (<c>virDomainPtr</c>). Keeps its connection alive.</summary>
public sealed class LibvirtDomain : IDisposable
{
    private const uint MemMaximum = 4;   // VIR_DOMAIN_MEM_MAXIMUM
    private const uint VcpuMaximum = 4;  // VIR_DOMAIN_VCPU_MAXIMUM
    private const uint BlockResizeBytes = 1; // VIR_DOMAIN_BLOCK_RESIZE_BYTES

    internal LibvirtDomain(LibvirtConnection connection, DomainHandle handle)
    {
        Connection = connection;
        Handle = handle;
        Uuid = Proxy.DomainUuid(handle);
        name = ReadName();
    }

    private string name;

    internal DomainHandle Handle { get; }

    /// <summary>The connection this domain was obtained from.</summary>
    public LibvirtConnection Connection { get; }

    /// <summary>The domain's name (updated by <see cref="Rename"/>).</summary>
    public string Name => name;

    /// <summary><c>virDomainGetUUIDString</c>, read once at construction.</summary>
    public string Uuid { get; }

    /// <summary>
    /// <c>virDomainGetID</c>, -1 if inactive. libvirt records the id when the handle is obtained: look the domain up
    /// again after starting it to see its new id.
    /// </summary>
    public int Id => unchecked((int)NativeMethods.virDomainGetID(Handle));

    private string ReadName() => Errors.BorrowedString(NativeMethods.virDomainGetName(Handle), "virDomainGetName");

    public DomainInfo GetInfo()
    {
        Errors.Check(NativeMethods.virDomainGetInfo(Handle, out var info), "virDomainGetInfo");
        return new DomainInfo((DomainState)info.State, info.MaxMem, info.Memory, info.NrVirtCpu, info.CpuTime);
    }

    public (DomainState State, int Reason) GetState()
    {
        Errors.Check(NativeMethods.virDomainGetState(Handle, out var state, out var reason, 0), "virDomainGetState");
        return ((DomainState)state, reason);
    }

    public string GetXmlDesc(DomainXmlFlags flags = 0) =>
        Errors.OwnedString(NativeMethods.virDomainGetXMLDesc(Handle, (uint)flags), "virDomainGetXMLDesc");

    /// <summary>
    /// Connects <paramref name="stream"/> to the guest's console (virDomainOpenConsole): the
    /// first console when <paramref name="deviceName"/> is null. Works for local and remote
    /// hypervisors, for QEMU serial consoles and LXC consoles alike.
    /// </summary>
    public void OpenConsole(string? deviceName, LibvirtStream stream, uint flags = 0)
        => Errors.Check(NativeMethods.virDomainOpenConsole(Handle, deviceName, stream.Handle, flags), "virDomainOpenConsole");

    /// <summary>
    /// A socket connected to the guest's graphical console (virDomainOpenGraphicsFD): the
    /// graphics device <paramref name="index"/> (VNC speaks RFB on it). The hypervisor hands the
    /// descriptor over the connection's unix socket, so this works on local connections only. With
    /// <paramref name="skipAuth"/>, the console asks for no password (the caller was checked already).
    /// </summary>
    public System.Net.Sockets.Socket OpenGraphicsSocket(uint index = 0, bool skipAuth = false)
    {
        var fd = Errors.Check(NativeMethods.virDomainOpenGraphicsFD(Handle, index, skipAuth ? 1u : 0u), "virDomainOpenGraphicsFD");
        return new System.Net.Sockets.Socket(new System.Net.Sockets.SafeSocketHandle(fd, ownsHandle: true));
    }

    public bool IsActive => Errors.CheckBool(NativeMethods.virDomainIsActive(Handle), "virDomainIsActive");

    public bool IsPersistent => Errors.CheckBool(NativeMethods.virDomainIsPersistent(Handle), "virDomainIsPersistent");

    public bool HasManagedSaveImage => Errors.CheckBool(NativeMethods.virDomainHasManagedSaveImage(Handle, 0), "virDomainHasManagedSaveImage");

    public bool Autostart
    {
        get
        {
            Errors.Check(NativeMethods.virDomainGetAutostart(Handle, out var autostart), "virDomainGetAutostart");
            return autostart != 0;
        }
        set => Errors.Check(NativeMethods.virDomainSetAutostart(Handle, value ? 1 : 0), "virDomainSetAutostart");
    }

    /// <summary><c>virDomainCreateWithFlags</c>.</summary>
    public void Start(uint flags = 0) => Errors.Check(NativeMethods.virDomainCreateWithFlags(Handle, flags), "virDomainCreateWithFlags");

    public void Shutdown() => Errors.Check(NativeMethods.virDomainShutdown(Handle), "virDomainShutdown");

    public void Destroy() => Errors.Check(NativeMethods.virDomainDestroy(Handle), "virDomainDestroy");

    public void Reboot(uint flags = 0) => Errors.Check(NativeMethods.virDomainReboot(Handle, flags), "virDomainReboot");

    public void Reset() => Errors.Check(NativeMethods.virDomainReset(Handle, 0), "virDomainReset");

    public void Suspend() => Errors.Check(NativeMethods.virDomainSuspend(Handle), "virDomainSuspend");

    public void Resume() => Errors.Check(NativeMethods.virDomainResume(Handle), "virDomainResume");

    public void Undefine(DomainUndefineFlags flags = 0) => Errors.Check(NativeMethods.virDomainUndefineFlags(Handle, (uint)flags), "virDomainUndefineFlags");

    /// <summary><c>virDomainSetMemoryFlags</c>, in KiB.</summary>
    public void SetMemory(ulong kib, DomainModificationImpact impact) =>
        Errors.Check(NativeMethods.virDomainSetMemoryFlags(Handle, checked((nuint)kib), (uint)impact), "virDomainSetMemoryFlags");

    /// <summary><c>virDomainSetMemoryFlags</c> with <c>VIR_DOMAIN_MEM_MAXIMUM</c>, in KiB.</summary>
    public void SetMaxMemory(ulong kib, DomainModificationImpact impact) =>
        Errors.Check(NativeMethods.virDomainSetMemoryFlags(Handle, checked((nuint)kib), (uint)impact | MemMaximum), "virDomainSetMemoryFlags");

    public void SetVcpus(uint count, DomainModificationImpact impact) =>
        Errors.Check(NativeMethods.virDomainSetVcpusFlags(Handle, count, (uint)impact), "virDomainSetVcpusFlags");

    /// <summary><c>virDomainSetVcpusFlags</c> with <c>VIR_DOMAIN_VCPU_MAXIMUM</c>.</summary>
    public void SetMaxVcpus(uint count, DomainModificationImpact impact) =>
        Errors.Check(NativeMethods.virDomainSetVcpusFlags(Handle, count, (uint)impact | VcpuMaximum), "virDomainSetVcpusFlags");

    public void AttachDevice(string xml, DomainModificationImpact impact) =>
        Errors.Check(NativeMethods.virDomainAttachDeviceFlags(Handle, xml, (uint)impact), "virDomainAttachDeviceFlags");

    public void DetachDevice(string xml, DomainModificationImpact impact) =>
        Errors.Check(NativeMethods.virDomainDetachDeviceFlags(Handle, xml, (uint)impact), "virDomainDetachDeviceFlags");

    public void UpdateDevice(string xml, DomainModificationImpact impact) =>
        Errors.Check(NativeMethods.virDomainUpdateDeviceFlags(Handle, xml, (uint)impact), "virDomainUpdateDeviceFlags");

    /// <summary><c>virDomainBlockResize</c> with <c>VIR_DOMAIN_BLOCK_RESIZE_BYTES</c>.</summary>
    public void BlockResize(string disk, ulong bytes) =>
        Errors.Check(NativeMethods.virDomainBlockResize(Handle, disk, bytes, BlockResizeBytes), "virDomainBlockResize");

    public BlockInfo GetBlockInfo(string disk)
    {
        Errors.Check(NativeMethods.virDomainGetBlockInfo(Handle, disk, out var info, 0), "virDomainGetBlockInfo");
        return new BlockInfo(info.Capacity, info.Allocation, info.Physical);
    }

    /// <summary><c>virDomainGetMetadata</c>; null when the domain has no such metadata.</summary>
    public string? GetMetadata(DomainMetadataType type, string? uri, DomainModificationImpact impact)
    {
        var p = NativeMethods.virDomainGetMetadata(Handle, (int)type, uri, (uint)impact);
        if (p == 0)
        {
            var ex = Errors.LastError("virDomainGetMetadata");
            return ex.Code == LibvirtErrorCode.NoDomainMetadata ? null : throw ex;
        }

        return Errors.TakeString(p);
    }

    /// <summary><c>virDomainSetMetadata</c>; a null <paramref name="metadata"/> removes it.</summary>
    public void SetMetadata(DomainMetadataType type, string? metadata, string? key, string? uri, DomainModificationImpact impact) =>
        Errors.Check(NativeMethods.virDomainSetMetadata(Handle, (int)type, metadata, key, uri, (uint)impact), "virDomainSetMetadata");

    public void Rename(string newName)
    {
        ArgumentNullException.ThrowIfNull(newName);
        Errors.Check(NativeMethods.virDomainRename(Handle, newName, 0), "virDomainRename");

        // Not every driver updates the name cached in the virDomainPtr: keep the one that libvirt accepted.
        name = newName;
    }

    public IReadOnlyList<DomainInterfaceAddresses> GetInterfaceAddresses(DomainInterfaceAddressSource source) =>
        Proxy.InterfaceAddresses(Handle, (uint)source);

    public unsafe IReadOnlyList<LibvirtDomainSnapshot> ListAllSnapshots(uint flags = 0)
    {
        var n = Errors.Check(NativeMethods.virDomainListAllSnapshots(Handle, out var array, flags), "virDomainListAllSnapshots");
        return Array.ConvertAll(Proxy.TakeHandleArray<DomainSnapshotHandle>(array, n), h => new LibvirtDomainSnapshot(this, h));
    }

    /// <summary>Null when the domain has no snapshot of that name.</summary>
    public LibvirtDomainSnapshot? TryLookupSnapshotByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var h = Errors.CheckOrNull(
            NativeMethods.virDomainSnapshotLookupByName(Handle, name, 0), "virDomainSnapshotLookupByName", LibvirtErrorCode.NoDomainSnapshot);
        return h is null ? null : new LibvirtDomainSnapshot(this, h);
    }

    public LibvirtDomainSnapshot CreateSnapshot(string xml, uint flags = 0)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return new LibvirtDomainSnapshot(
            this, Errors.Check(NativeMethods.virDomainSnapshotCreateXML(Handle, xml, flags), "virDomainSnapshotCreateXML"));
    }

    /// <summary>Null when the domain has no current snapshot.</summary>
    public LibvirtDomainSnapshot? TryGetCurrentSnapshot()
    {
        var h = Errors.CheckOrNull(NativeMethods.virDomainSnapshotCurrent(Handle, 0), "virDomainSnapshotCurrent", LibvirtErrorCode.NoDomainSnapshot);
        return h is null ? null : new LibvirtDomainSnapshot(this, h);
    }

    public void Dispose() => Handle.Dispose();

    public override string ToString() => $"LibvirtDomain {name} ({Uuid})";
}

/// <summary>A domain snapshot (<c>virDomainSnapshotPtr</c>). Keeps its domain alive.</summary>
public sealed class LibvirtDomainSnapshot : IDisposable
{
    internal LibvirtDomainSnapshot(LibvirtDomain domain, DomainSnapshotHandle handle)
    {
        Domain = domain;
        Handle = handle;
        Name = Errors.BorrowedString(NativeMethods.virDomainSnapshotGetName(handle), "virDomainSnapshotGetName");
    }

    internal DomainSnapshotHandle Handle { get; }

    public LibvirtDomain Domain { get; }

    public string Name { get; }

    public string GetXmlDesc() => Errors.OwnedString(NativeMethods.virDomainSnapshotGetXMLDesc(Handle, 0), "virDomainSnapshotGetXMLDesc");

    public void Revert(uint flags = 0) => Errors.Check(NativeMethods.virDomainRevertToSnapshot(Handle, flags), "virDomainRevertToSnapshot");

    public void Delete(uint flags = 0) => Errors.Check(NativeMethods.virDomainSnapshotDelete(Handle, flags), "virDomainSnapshotDelete");

    public bool IsCurrent => Errors.CheckBool(NativeMethods.virDomainSnapshotIsCurrent(Handle, 0), "virDomainSnapshotIsCurrent");

    public void Dispose() => Handle.Dispose();

    public override string ToString() => $"LibvirtDomainSnapshot {Name}";
}
