using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// Events: told from the inventory's kept records, which libvirt's domain lifecycle callbacks
/// (registered once per connection) and the gateway's own writes keep current. Subscribers add
/// no libvirt registration.
/// </summary>
public abstract partial class LibvirtHypervisorConnection : IGuestEvents
{
    public Task<IDisposable> SubscribeGuestEventsAsync(Action<GuestEvent> sink, CancellationToken cancellationToken)
        => _inventory.SubscribeAsync(sink, cancellationToken);

    public int GuestEventSubscriptions => _inventory.Subscribers;
}
