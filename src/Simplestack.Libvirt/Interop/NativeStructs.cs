using System.Runtime.InteropServices;

namespace Simplestack.Libvirt.Interop;

// Layouts follow /usr/include/libvirt/*.h on LP64 Linux ("unsigned long" is 64-bit: nuint).
#pragma warning disable CA1815 // interop structs are never compared

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirError
{
    public int Code;
    public int Domain;
    public byte* Message;
    public int Level;
    public nint Conn;
    public nint Dom;
    public byte* Str1;
    public byte* Str2;
    public byte* Str3;
    public int Int1;
    public int Int2;
    public nint Net;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirNodeInfo
{
    public fixed byte Model[32];
    public nuint Memory;
    public uint Cpus;
    public int Mhz;
    public int Nodes;
    public int Sockets;
    public int Cores;
    public int Threads;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VirDomainInfo
{
    public byte State;
    public nuint MaxMem;
    public nuint Memory;
    public ushort NrVirtCpu;
    public ulong CpuTime;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VirDomainBlockInfo
{
    public ulong Capacity;
    public ulong Allocation;
    public ulong Physical;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VirStoragePoolInfo
{
    public int State;
    public ulong Capacity;
    public ulong Allocation;
    public ulong Available;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VirStorageVolInfo
{
    public int Type;
    public ulong Capacity;
    public ulong Allocation;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirConnectCredential
{
    public int Type;
    public byte* Prompt;
    public byte* Challenge;
    public byte* DefResult;
    public byte* Result;
    public uint ResultLen;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirConnectAuth
{
    public int* CredType;
    public uint NCredType;
    public delegate* unmanaged<VirConnectCredential*, uint, void*, int> Callback;
    public void* CbData;
}

[StructLayout(LayoutKind.Explicit)]
internal unsafe struct VirTypedParameter
{
    public const int FieldLength = 80;

    [FieldOffset(0)] public fixed byte Field[FieldLength];
    [FieldOffset(80)] public int Type;
    [FieldOffset(88)] public int I;
    [FieldOffset(88)] public uint UI;
    [FieldOffset(88)] public long L;
    [FieldOffset(88)] public ulong UL;
    [FieldOffset(88)] public double D;
    [FieldOffset(88)] public byte B;
    [FieldOffset(88)] public byte* S;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirDomainStatsRecord
{
    public nint Dom;
    public VirTypedParameter* Params;
    public int NParams;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirDomainIPAddress
{
    public int Type;
    public byte* Addr;
    public uint Prefix;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirDomainInterface
{
    public byte* Name;
    public byte* HwAddr;
    public uint NAddrs;
    public VirDomainIPAddress* Addrs;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirNetworkDHCPLease
{
    public byte* Iface;
    public long ExpiryTime;
    public int Type;
    public byte* Mac;
    public byte* Iaid;
    public byte* IpAddr;
    public uint Prefix;
    public byte* Hostname;
    public byte* ClientId;
}
