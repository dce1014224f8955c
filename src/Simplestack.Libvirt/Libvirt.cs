using System.Runtime.InteropServices;
using Simplestack.Libvirt.Interop;

namespace Simplestack.Libvirt;

/// <summary>Process-wide libvirt set-up: initialisation, a silent error handler, and the default event loop.</summary>
public static unsafe class Libvirt
{
    private static readonly Lock InitLock = new();
    private static readonly Lock EventLoopLock = new();
    private static volatile bool initialized;
    private static Thread? eventLoopThread;

    /// <summary>
    /// Calls <c>virInitialize</c> once and installs a no-op error handler (<c>virSetErrorFunc</c>) so libvirt never
    /// prints errors to stderr; errors are read with <c>virGetLastError</c> and thrown as <see cref="LibvirtException"/>.
    /// </summary>
    public static void EnsureInitialized()
    {
        if (initialized)
        {
            return;
        }

        lock (InitLock)
        {
            if (initialized)
            {
                return;
            }

            NativeMethods.virSetErrorFunc(null, &IgnoreError);
            Errors.Check(NativeMethods.virInitialize(), "virInitialize");
            initialized = true;
        }
    }

    /// <summary>libvirt's library version (major * 1,000,000 + minor * 1,000 + release), from <c>virGetVersion</c>.</summary>
    public static ulong Version
    {
        get
        {
            EnsureInitialized();
            Errors.Check(NativeMethods.virGetVersion(out var version, null, null), "virGetVersion");
            return version;
        }
    }

    /// <summary>True once <see cref="EnsureEventLoop"/> has registered the default event implementation.</summary>
    public static bool IsEventLoopRunning => eventLoopThread is not null;

    /// <summary>
    /// Registers libvirt's default event implementation once and starts a background thread running
    /// <c>virEventRunDefaultImpl</c>. Needed for events and keepalive; call it before opening the connections that use them.
    /// Idempotent.
    /// </summary>
    public static void EnsureEventLoop()
    {
        EnsureInitialized();
        if (eventLoopThread is not null)
        {
            return;
        }

        lock (EventLoopLock)
        {
            if (eventLoopThread is not null)
            {
                return;
            }

            Errors.Check(NativeMethods.virEventRegisterDefaultImpl(), "virEventRegisterDefaultImpl");
            var thread = new Thread(RunEventLoop)
            {
                IsBackground = true,
                Name = "libvirt event loop",
            };
            thread.Start();
            eventLoopThread = thread;
        }
    }

    private static void RunEventLoop()
    {
        while (true)
        {
            if (NativeMethods.virEventRunDefaultImpl() < 0)
            {
                // Read (and clear) this thread's error; an iteration failing must not end the loop.
                NativeMethods.virResetLastError();
                Thread.Sleep(10);
            }
        }
    }

    [UnmanagedCallersOnly]
    private static void IgnoreError(void* userData, VirError* error)
    {
        // Deliberately empty: the error stays available to virGetLastError on the failing thread.
    }
}
