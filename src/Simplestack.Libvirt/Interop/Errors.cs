using System.Runtime.InteropServices;

namespace Simplestack.Libvirt.Interop;

/// <summary>
/// Turns libvirt failures into <see cref="LibvirtException"/>. Each helper takes the native call's result as its argument,
/// so the thread-local <c>virGetLastError</c> is read on the same thread, right after the failing call.
/// </summary>
internal static unsafe class Errors
{
    internal static LibvirtException LastError(string operation)
    {
        VirError* e = NativeMethods.virGetLastError();
        if (e == null)
        {
            return new LibvirtException($"{operation} failed (libvirt reported no error)", LibvirtErrorCode.InternalError, 0, 2);
        }

        var message = e->Message == null ? null : Marshal.PtrToStringUTF8((nint)e->Message);
        var ex = new LibvirtException(
            string.IsNullOrEmpty(message) ? $"{operation} failed" : message,
            (LibvirtErrorCode)e->Code,
            e->Domain,
            e->Level);
        NativeMethods.virResetLastError();
        return ex;
    }

    /// <summary>Throws unless <paramref name="result"/> is not -1 (libvirt's usual failure value); returns it.</summary>
    internal static int Check(int result, string operation)
    {
        if (result < 0)
        {
            throw LastError(operation);
        }

        return result;
    }

    /// <summary>Returns true for 1, false for 0, throws for -1 (virDomainIsActive and friends).</summary>
    internal static bool CheckBool(int result, string operation) => Check(result, operation) != 0;

    internal static T Check<T>(T handle, string operation)
        where T : SafeHandle
    {
        if (handle.IsInvalid)
        {
            var ex = LastError(operation);
            handle.Dispose();
            throw ex;
        }

        return handle;
    }

    /// <summary>Null if the call failed with <paramref name="notFound"/>; throws for any other failure.</summary>
    internal static T? CheckOrNull<T>(T handle, string operation, LibvirtErrorCode notFound, LibvirtErrorCode alsoNull = LibvirtErrorCode.Ok)
        where T : SafeHandle
    {
        if (!handle.IsInvalid)
        {
            return handle;
        }

        var ex = LastError(operation);
        handle.Dispose();
        if (ex.Code == notFound || (alsoNull != LibvirtErrorCode.Ok && ex.Code == alsoNull))
        {
            return null;
        }

        throw ex;
    }

    /// <summary>An owned <c>char *</c>: copied, then freed with libc free. Throws if NULL.</summary>
    internal static string OwnedString(nint p, string operation)
    {
        if (p == 0)
        {
            throw LastError(operation);
        }

        return TakeString(p)!;
    }

    /// <summary>A borrowed <c>const char *</c>: copied, never freed. Throws if NULL.</summary>
    internal static string BorrowedString(nint p, string operation)
    {
        if (p == 0)
        {
            throw LastError(operation);
        }

        return Marshal.PtrToStringUTF8(p)!;
    }

    internal static string? TakeString(nint p)
    {
        if (p == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(p);
        }
        finally
        {
            NativeMemory.Free((void*)p);
        }
    }

    internal static string? Utf8(byte* p) => p == null ? null : Marshal.PtrToStringUTF8((nint)p);
}
