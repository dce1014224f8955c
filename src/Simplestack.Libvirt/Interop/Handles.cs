using System.Runtime.InteropServices;

namespace Simplestack.Libvirt.Interop;

/// <summary>Base of the SafeHandle types: one per libvirt object, each released with its own free function.</summary>
internal abstract class LibvirtHandle : SafeHandle
{
    protected LibvirtHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Takes ownership of a pointer that libvirt handed out (one reference).</summary>
    internal void Attach(nint pointer) => SetHandle(pointer);

    internal static T Wrap<T>(nint pointer)
        where T : LibvirtHandle, new()
    {
        var h = new T();
        h.Attach(pointer);
        return h;
    }
}

internal sealed class ConnectionHandle : LibvirtHandle
{
    protected override bool ReleaseHandle() => NativeMethods.virConnectClose(handle) >= 0;
}

internal sealed class DomainHandle : LibvirtHandle
{
    protected override bool ReleaseHandle() => NativeMethods.virDomainFree(handle) == 0;
}

internal sealed class NetworkHandle : LibvirtHandle
{
    protected override bool ReleaseHandle() => NativeMethods.virNetworkFree(handle) == 0;
}

internal sealed class StoragePoolHandle : LibvirtHandle
{
    protected override bool ReleaseHandle() => NativeMethods.virStoragePoolFree(handle) == 0;
}

internal sealed class StorageVolumeHandle : LibvirtHandle
{
    protected override bool ReleaseHandle() => NativeMethods.virStorageVolFree(handle) == 0;
}

internal sealed class DomainSnapshotHandle : LibvirtHandle
{
    protected override bool ReleaseHandle() => NativeMethods.virDomainSnapshotFree(handle) == 0;
}

internal sealed class StreamHandle : LibvirtHandle
{
    protected override bool ReleaseHandle() => NativeMethods.virStreamFree(handle) == 0;
}
