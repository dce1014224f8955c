using Simplestack.Libvirt.Interop;

namespace Simplestack.Libvirt;

/// <summary>A libvirt virtual network (<c>virNetworkPtr</c>). Keeps its connection alive.</summary>
public sealed class LibvirtNetwork : IDisposable
{
    internal LibvirtNetwork(LibvirtConnection connection, NetworkHandle handle)
    {
        Connection = connection;
        Handle = handle;
        Name = Errors.BorrowedString(NativeMethods.virNetworkGetName(handle), "virNetworkGetName");
        Uuid = Proxy.NetworkUuid(handle);
    }

    internal NetworkHandle Handle { get; }

    public LibvirtConnection Connection { get; }

    public string Name { get; }

    public string Uuid { get; }

    public string GetXmlDesc(uint flags = 0) => Errors.OwnedString(NativeMethods.virNetworkGetXMLDesc(Handle, flags), "virNetworkGetXMLDesc");

    public bool IsActive => Errors.CheckBool(NativeMethods.virNetworkIsActive(Handle), "virNetworkIsActive");

    public bool IsPersistent => Errors.CheckBool(NativeMethods.virNetworkIsPersistent(Handle), "virNetworkIsPersistent");

    public bool Autostart
    {
        get
        {
            Errors.Check(NativeMethods.virNetworkGetAutostart(Handle, out var autostart), "virNetworkGetAutostart");
            return autostart != 0;
        }
        set => Errors.Check(NativeMethods.virNetworkSetAutostart(Handle, value ? 1 : 0), "virNetworkSetAutostart");
    }

    /// <summary><c>virNetworkGetBridgeName</c>; null when the network has no bridge.</summary>
    public string? BridgeName
    {
        get
        {
            var p = NativeMethods.virNetworkGetBridgeName(Handle);
            if (p == 0)
            {
                var ex = Errors.LastError("virNetworkGetBridgeName");
                return ex.Code is LibvirtErrorCode.NoSupport or LibvirtErrorCode.InternalError or LibvirtErrorCode.ConfigUnsupported
                    ? null
                    : throw ex;
            }

            return Errors.TakeString(p);
        }
    }

    public void Start() => Errors.Check(NativeMethods.virNetworkCreate(Handle), "virNetworkCreate");

    public void Destroy() => Errors.Check(NativeMethods.virNetworkDestroy(Handle), "virNetworkDestroy");

    public void Undefine() => Errors.Check(NativeMethods.virNetworkUndefine(Handle), "virNetworkUndefine");

    /// <summary><c>virNetworkGetDHCPLeases</c>, optionally only for one MAC address.</summary>
    public IReadOnlyList<NetworkDhcpLease> GetDhcpLeases(string? mac = null) => Proxy.DhcpLeases(Handle, mac);

    public void Dispose() => Handle.Dispose();

    public override string ToString() => $"LibvirtNetwork {Name} ({Uuid})";
}
