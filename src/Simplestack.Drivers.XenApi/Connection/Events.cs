using Simplestack.Core;

namespace Simplestack.Drivers.XenApi;

/// <summary>Events: told from the inventory's kept records, which the connection's one change feed keeps current; subscribers add no hypervisor subscription.</summary>
public sealed partial class XenApiConnection : IGuestEvents
{
    public Task<IDisposable> SubscribeGuestEventsAsync(Action<GuestEvent> sink, CancellationToken cancellationToken)
        => _inventory.SubscribeAsync(sink, cancellationToken);

    public int GuestEventSubscriptions => _inventory.Subscribers;
}
