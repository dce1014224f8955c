using Microsoft.Extensions.Logging;
using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// A connection to a libvirt driver of virtual machines: QEMU/KVM, and the built-in test driver
/// that imitates one. Beside what every libvirt guest has, a machine has disks backed by storage
/// volumes, ISO media, snapshots, images to start from, clones and exports (partial files in
/// Connection/Machine). Where one hypervisor of this kind cannot do something at run time (the
/// test driver's hot-plug and volume streaming), that call answers 501 FeatureNotAvailable.
/// </summary>
public sealed partial class LibvirtMachineConnection : LibvirtHypervisorConnection
{
    /// <summary>Subscribes to the connection's domain lifecycle events (blocking: call it on a libvirt call thread).</summary>
    internal LibvirtMachineConnection(LibvirtFlavor flavor, HypervisorTarget target, LibvirtConnection native, LibvirtCalls calls, LibvirtDriverOptions options, ILogger logger)
        : base(flavor, target, native, calls, options, logger)
    {
        if (flavor == LibvirtFlavor.Lxc)
        {
            throw new ArgumentException("LXC guests are containers: use LibvirtContainerConnection.", nameof(flavor));
        }
    }
}
