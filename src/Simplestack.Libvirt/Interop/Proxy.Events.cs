using System.Runtime.InteropServices;

namespace Simplestack.Libvirt.Interop;

// Event registrations: domain lifecycle and change events, stream events. Callbacks come on
// libvirt's event loop thread through trampolines that never let an exception cross into it.
internal static unsafe partial class Proxy
{
    internal static int RegisterLifecycle(ConnectionHandle c, EventDispatcher<LibvirtDomainEvent> dispatcher)
    {
        var gch = GCHandle.Alloc(dispatcher);
        var id = NativeMethods.virConnectDomainEventRegisterAny(
            c, 0, 0 /* VIR_DOMAIN_EVENT_ID_LIFECYCLE */, &LifecycleTrampoline, (void*)GCHandle.ToIntPtr(gch), &FreeGCHandle);
        if (id < 0)
        {
            // Whether libvirt already ran freecb on failure differs between drivers: leak the small handle rather than
            // risk freeing it twice.
            throw Errors.LastError("virConnectDomainEventRegisterAny");
        }

        return id;
    }

    /// <summary>Registers <paramref name="dispatcher"/> for one <see cref="DomainChange"/> event id (each has a callback shape of its own).</summary>
    internal static int RegisterChange(ConnectionHandle c, DomainChange change, EventDispatcher<LibvirtDomainChange> dispatcher)
    {
        // The callbacks differ in their arguments after the domain; opaque comes last. Those with one
        // argument more than (conn, dom) take the four-argument trampoline, those with two the five.
        void* callback = change switch
        {
            DomainChange.BalloonChange or DomainChange.DeviceRemoved or DomainChange.DeviceAdded
                => (delegate* unmanaged<nint, nint, nint, void*, void>)&ChangeTrampoline4,
            DomainChange.Tunable or DomainChange.MetadataChange
                => (delegate* unmanaged<nint, nint, nint, nint, void*, void>)&ChangeTrampoline5,
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };
        var gch = GCHandle.Alloc(new ChangeRegistration(dispatcher, change));
        var id = NativeMethods.virConnectDomainEventRegisterAny(
            c, 0, (int)change, (delegate* unmanaged<nint, nint, int, int, void*, int>)callback, (void*)GCHandle.ToIntPtr(gch), &FreeGCHandle);
        if (id < 0)
        {
            throw Errors.LastError("virConnectDomainEventRegisterAny");
        }

        return id;
    }

    [UnmanagedCallersOnly]
    private static void ChangeTrampoline4(nint conn, nint dom, nint argument, void* opaque) => DispatchChange(dom, opaque);

    [UnmanagedCallersOnly]
    private static void ChangeTrampoline5(nint conn, nint dom, nint first, nint second, void* opaque) => DispatchChange(dom, opaque);

    private static void DispatchChange(nint dom, void* opaque)
    {
        try
        {
            if (GCHandle.FromIntPtr((nint)opaque).Target is not ChangeRegistration registration || registration.Dispatcher.IsEmpty)
            {
                return;
            }

            byte* buf = stackalloc byte[VirUuidStringBufLen];
            if (NativeMethods.virDomainGetUUIDStringRaw(dom, buf) == 0)
            {
                registration.Dispatcher.Dispatch(new LibvirtDomainChange(Marshal.PtrToStringUTF8((nint)buf)!, registration.Change));
            }
        }
        catch
        {
            // Never let an exception cross into libvirt's event loop.
        }
    }

    internal static void DeregisterEvent(ConnectionHandle c, int callbackId) =>
        Errors.Check(NativeMethods.virConnectDomainEventDeregisterAny(c, callbackId), "virConnectDomainEventDeregisterAny");

    [UnmanagedCallersOnly]
    private static int LifecycleTrampoline(nint conn, nint dom, int eventType, int detail, void* opaque)
    {
        try
        {
            var dispatcher = (EventDispatcher<LibvirtDomainEvent>?)GCHandle.FromIntPtr((nint)opaque).Target;
            if (dispatcher is null || dispatcher.IsEmpty)
            {
                return 0;
            }

            var name = Marshal.PtrToStringUTF8(NativeMethods.virDomainGetNameRaw(dom)) ?? string.Empty;
            byte* buf = stackalloc byte[VirUuidStringBufLen];
            var uuid = NativeMethods.virDomainGetUUIDStringRaw(dom, buf) == 0 ? Marshal.PtrToStringUTF8((nint)buf)! : string.Empty;
            dispatcher.Dispatch(new LibvirtDomainEvent(uuid, name, eventType, detail));
        }
        catch
        {
            // Never let an exception cross into libvirt's event loop.
        }

        return 0;
    }

    /// <summary>virStreamEventAddCallback with <paramref name="callback"/> kept alive until libvirt frees it.</summary>
    internal static void AddStreamCallback(StreamHandle s, StreamEvents events, Action<StreamEvents> callback)
    {
        var gch = GCHandle.Alloc(callback);
        if (NativeMethods.virStreamEventAddCallback(s, (int)events, &StreamTrampoline, (void*)GCHandle.ToIntPtr(gch), &FreeGCHandle) < 0)
        {
            // As for domain events: leak the small handle rather than risk freeing it twice.
            throw Errors.LastError("virStreamEventAddCallback");
        }
    }

    [UnmanagedCallersOnly]
    private static void StreamTrampoline(nint stream, int events, void* opaque)
    {
        try
        {
            // A callback running while its stream is being closed may find its handle freed: then it does nothing.
            if (GCHandle.FromIntPtr((nint)opaque).Target is Action<StreamEvents> callback)
            {
                callback((StreamEvents)events);
            }
        }
        catch
        {
            // Never let an exception cross into libvirt's event loop.
        }
    }

    [UnmanagedCallersOnly]
    private static void FreeGCHandle(void* opaque)
    {
        try
        {
            GCHandle.FromIntPtr((nint)opaque).Free();
        }
        catch
        {
            // nothing sensible to do inside a native callback
        }
    }
}

/// <summary>
/// libvirt refuses a second registration of the same native callback for the same event on one
/// connection, so a connection registers each trampoline once and fans events out to its managed callbacks.
/// </summary>
internal sealed class EventDispatcher<T>
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, Action<T>> callbacks = new();

    internal bool IsEmpty => callbacks.IsEmpty;

    internal void Add(int id, Action<T> callback) => callbacks[id] = callback;

    internal bool Remove(int id) => callbacks.TryRemove(id, out _);

    internal void Dispatch(T e)
    {
        foreach (var callback in callbacks.Values)
        {
            try
            {
                callback(e);
            }
            catch
            {
                // A failing subscriber must not stop the others, nor reach libvirt's event loop.
            }
        }
    }
}

internal sealed record ChangeRegistration(EventDispatcher<LibvirtDomainChange> Dispatcher, DomainChange Change);
