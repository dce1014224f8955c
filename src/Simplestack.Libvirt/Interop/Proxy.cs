using System.Runtime.InteropServices;

namespace Simplestack.Libvirt.Interop;

/// <summary>
/// Checked wrappers (layer 2): each native call is followed, on the same thread and in the same synchronous block,
/// by the check that reads <c>virGetLastError</c> and throws <see cref="LibvirtException"/>. Pointers become SafeHandles.
/// </summary>
internal static unsafe partial class Proxy
{
    internal const int VirUuidStringBufLen = NativeMethods.UuidStringBufferLength;

    /// <summary>Wraps each element of a libvirt-allocated array in its SafeHandle, then frees the array.</summary>
    internal static T[] TakeHandleArray<T>(nint* array, int count)
        where T : LibvirtHandle, new()
    {
        if (array == null)
        {
            return [];
        }

        try
        {
            var result = new T[count];
            for (var i = 0; i < count; i++)
            {
                result[i] = LibvirtHandle.Wrap<T>(array[i]);
            }

            return result;
        }
        finally
        {
            NativeMemory.Free(array);
        }
    }

    // ---- connection ----

    internal static ConnectionHandle Open(string uri, LibvirtCredentials? credentials)
    {
        if (credentials is null)
        {
            return Errors.Check(NativeMethods.virConnectOpenAuth(uri, null, 0), "virConnectOpenAuth");
        }

        var gch = GCHandle.Alloc(credentials);
        try
        {
            int* types = stackalloc int[] { CredUsername, CredAuthName, CredEchoPrompt, CredPassphrase, CredNoEchoPrompt };
            var auth = new VirConnectAuth
            {
                CredType = types,
                NCredType = 5,
                Callback = &AuthCallback,
                CbData = (void*)GCHandle.ToIntPtr(gch),
            };
            return Errors.Check(NativeMethods.virConnectOpenAuth(uri, &auth, 0), "virConnectOpenAuth");
        }
        finally
        {
            gch.Free();
        }
    }

    private const int CredUsername = 1;
    private const int CredAuthName = 2;
    private const int CredPassphrase = 5;
    private const int CredEchoPrompt = 6;
    private const int CredNoEchoPrompt = 7;

    [UnmanagedCallersOnly]
    private static int AuthCallback(VirConnectCredential* cred, uint ncred, void* cbdata)
    {
        try
        {
            var credentials = (LibvirtCredentials?)GCHandle.FromIntPtr((nint)cbdata).Target;
            if (credentials is null)
            {
                return -1;
            }

            for (var i = 0; i < ncred; i++)
            {
                var c = &cred[i];
                string? answer = c->Type switch
                {
                    CredUsername or CredAuthName or CredEchoPrompt => credentials.UserName,
                    CredPassphrase or CredNoEchoPrompt => credentials.Password,
                    _ => null,
                };
                answer ??= Errors.Utf8(c->DefResult);
                if (answer is null)
                {
                    return -1;
                }

                // libvirt frees result with free(): allocate it with malloc (NativeMemory.Alloc).
                var length = System.Text.Encoding.UTF8.GetByteCount(answer);
                var buffer = (byte*)NativeMemory.Alloc((nuint)length + 1);
                System.Text.Encoding.UTF8.GetBytes(answer, new Span<byte>(buffer, length));
                buffer[length] = 0;
                c->Result = buffer;
                c->ResultLen = (uint)length;
            }

            return 0;
        }
        catch
        {
            return -1;
        }
    }

    internal static string GetUri(ConnectionHandle c) => Errors.OwnedString(NativeMethods.virConnectGetURI(c), "virConnectGetURI");

    internal static string GetHostname(ConnectionHandle c) => Errors.OwnedString(NativeMethods.virConnectGetHostname(c), "virConnectGetHostname");

    internal static string GetType(ConnectionHandle c) => Errors.BorrowedString(NativeMethods.virConnectGetType(c), "virConnectGetType");

    internal static ulong GetVersion(ConnectionHandle c)
    {
        Errors.Check(NativeMethods.virConnectGetVersion(c, out var v), "virConnectGetVersion");
        return v;
    }

    internal static ulong GetLibVersion(ConnectionHandle c)
    {
        Errors.Check(NativeMethods.virConnectGetLibVersion(c, out var v), "virConnectGetLibVersion");
        return v;
    }

    internal static bool IsAlive(ConnectionHandle c) => NativeMethods.virConnectIsAlive(c) == 1;

    internal static void SetKeepAlive(ConnectionHandle c, int interval, uint count) =>
        Errors.Check(NativeMethods.virConnectSetKeepAlive(c, interval, count), "virConnectSetKeepAlive");

    internal static NodeInfo GetNodeInfo(ConnectionHandle c)
    {
        Errors.Check(NativeMethods.virNodeGetInfo(c, out var info), "virNodeGetInfo");
        var model = Marshal.PtrToStringUTF8((nint)info.Model) ?? string.Empty;
        return new NodeInfo(model, info.Memory, info.Cpus, (uint)info.Mhz, (uint)info.Nodes, (uint)info.Sockets, (uint)info.Cores, (uint)info.Threads);
    }

    internal static ulong GetFreeMemory(ConnectionHandle c)
    {
        // 0 is also the error value: tell them apart by whether this thread has an error set afterwards.
        NativeMethods.virResetLastError();
        var free = NativeMethods.virNodeGetFreeMemory(c);
        if (free == 0 && NativeMethods.virGetLastError() != null)
        {
            throw Errors.LastError("virNodeGetFreeMemory");
        }

        return free;
    }

    internal static string GetCapabilities(ConnectionHandle c) =>
        Errors.OwnedString(NativeMethods.virConnectGetCapabilities(c), "virConnectGetCapabilities");

    internal static DomainHandle[] ListAllDomains(ConnectionHandle c, uint flags)
    {
        var n = Errors.Check(NativeMethods.virConnectListAllDomains(c, out var array, flags), "virConnectListAllDomains");
        return TakeHandleArray<DomainHandle>(array, n);
    }

    internal static NetworkHandle[] ListAllNetworks(ConnectionHandle c, uint flags)
    {
        var n = Errors.Check(NativeMethods.virConnectListAllNetworks(c, out var array, flags), "virConnectListAllNetworks");
        return TakeHandleArray<NetworkHandle>(array, n);
    }

    internal static StoragePoolHandle[] ListAllStoragePools(ConnectionHandle c, uint flags)
    {
        var n = Errors.Check(NativeMethods.virConnectListAllStoragePools(c, out var array, flags), "virConnectListAllStoragePools");
        return TakeHandleArray<StoragePoolHandle>(array, n);
    }

    internal static List<(DomainHandle Domain, Dictionary<string, object> Parameters)> GetAllDomainStats(ConnectionHandle c, uint stats, uint flags)
    {
        var n = Errors.Check(NativeMethods.virConnectGetAllDomainStats(c, stats, out var records, flags), "virConnectGetAllDomainStats");
        if (records == null)
        {
            return [];
        }

        try
        {
            var result = new List<(DomainHandle, Dictionary<string, object>)>(n);
            for (var i = 0; i < n; i++)
            {
                var record = records[i];
                var parameters = ReadTypedParameters(record->Params, record->NParams);

                // The record list owns its domain references: take our own before the list is freed.
                Errors.Check(NativeMethods.virDomainRef(record->Dom), "virDomainRef");
                result.Add((LibvirtHandle.Wrap<DomainHandle>(record->Dom), parameters));
            }

            return result;
        }
        finally
        {
            NativeMethods.virDomainStatsRecordListFree(records);
        }
    }

    internal static Dictionary<string, object> ReadTypedParameters(VirTypedParameter* p, int count)
    {
        var result = new Dictionary<string, object>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var param = &p[i];
            var name = Marshal.PtrToStringUTF8((nint)param->Field) ?? string.Empty;
            object? value = param->Type switch
            {
                1 => param->I,
                2 => param->UI,
                3 => param->L,
                4 => param->UL,
                5 => param->D,
                6 => param->B != 0,
                7 => Errors.Utf8(param->S) ?? string.Empty,
                _ => null,
            };
            if (value is not null)
            {
                result[name] = value;
            }
        }

        return result;
    }

    // ---- domain ----

    internal static string DomainUuid(DomainHandle d)
    {
        byte* buf = stackalloc byte[VirUuidStringBufLen];
        Errors.Check(NativeMethods.virDomainGetUUIDString(d, buf), "virDomainGetUUIDString");
        return Marshal.PtrToStringUTF8((nint)buf)!;
    }

    internal static string NetworkUuid(NetworkHandle n)
    {
        byte* buf = stackalloc byte[VirUuidStringBufLen];
        Errors.Check(NativeMethods.virNetworkGetUUIDString(n, buf), "virNetworkGetUUIDString");
        return Marshal.PtrToStringUTF8((nint)buf)!;
    }

    internal static string StoragePoolUuid(StoragePoolHandle p)
    {
        byte* buf = stackalloc byte[VirUuidStringBufLen];
        Errors.Check(NativeMethods.virStoragePoolGetUUIDString(p, buf), "virStoragePoolGetUUIDString");
        return Marshal.PtrToStringUTF8((nint)buf)!;
    }

    internal static List<DomainInterfaceAddresses> InterfaceAddresses(DomainHandle d, uint source)
    {
        var n = Errors.Check(NativeMethods.virDomainInterfaceAddresses(d, out var ifaces, source, 0), "virDomainInterfaceAddresses");
        if (ifaces == null)
        {
            return [];
        }

        var result = new List<DomainInterfaceAddresses>(n);
        try
        {
            for (var i = 0; i < n; i++)
            {
                var iface = ifaces[i];
                var addresses = new List<IpAddress>((int)iface->NAddrs);
                for (var j = 0; j < iface->NAddrs; j++)
                {
                    var a = &iface->Addrs[j];
                    addresses.Add(new IpAddress(a->Type == 1, Errors.Utf8(a->Addr) ?? string.Empty, a->Prefix));
                }

                result.Add(new DomainInterfaceAddresses(Errors.Utf8(iface->Name) ?? string.Empty, Errors.Utf8(iface->HwAddr), addresses));
            }
        }
        finally
        {
            for (var i = 0; i < n; i++)
            {
                NativeMethods.virDomainInterfaceFree(ifaces[i]);
            }

            NativeMemory.Free(ifaces);
        }

        return result;
    }

    internal static List<NetworkDhcpLease> DhcpLeases(NetworkHandle net, string? mac)
    {
        var n = Errors.Check(NativeMethods.virNetworkGetDHCPLeases(net, mac, out var leases, 0), "virNetworkGetDHCPLeases");
        if (leases == null)
        {
            return [];
        }

        var result = new List<NetworkDhcpLease>(n);
        try
        {
            for (var i = 0; i < n; i++)
            {
                var l = leases[i];
                result.Add(new NetworkDhcpLease(
                    Errors.Utf8(l->Iface) ?? string.Empty,
                    l->ExpiryTime,
                    l->Type == 1,
                    Errors.Utf8(l->Mac),
                    Errors.Utf8(l->Iaid),
                    Errors.Utf8(l->IpAddr) ?? string.Empty,
                    l->Prefix,
                    Errors.Utf8(l->Hostname),
                    Errors.Utf8(l->ClientId)));
            }
        }
        finally
        {
            for (var i = 0; i < n; i++)
            {
                NativeMethods.virNetworkDHCPLeaseFree(leases[i]);
            }

            NativeMemory.Free(leases);
        }

        return result;
    }
}
