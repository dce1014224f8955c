using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// libvirt's domain states mapped to the API's three, keeping libvirt's own word in
/// <c>state_detail</c> (Libcloud's lossy maps are what we avoid: the native word is never lost).
/// </summary>
public static class StateMap
{
    public static GuestStatus Map(DomainState state) => state switch
    {
        DomainState.Running => new(GuestState.STARTED, "running"),
        DomainState.Blocked => new(GuestState.STARTED, "blocked"),
        // Shutting down: still running until the guest finishes.
        DomainState.Shutdown => new(GuestState.STARTED, "shutdown"),
        DomainState.Paused => new(GuestState.PAUSED, "paused"),
        DomainState.PmSuspended => new(GuestState.PAUSED, "pmsuspended"),
        DomainState.Shutoff => new(GuestState.STOPPED, "shutoff"),
        DomainState.Crashed => new(GuestState.STOPPED, "crashed"),
        DomainState.NoState => new(GuestState.STOPPED, "nostate"),
        _ => new(GuestState.STOPPED, $"unknown-{(int)state}"),
    };
}
