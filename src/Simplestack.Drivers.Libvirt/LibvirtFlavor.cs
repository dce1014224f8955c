namespace Simplestack.Drivers.Libvirt;

/// <summary>Which libvirt driver a URL word selects.</summary>
public enum LibvirtFlavor
{
    /// <summary>libvirt's built-in test driver (<c>test:///default</c>), in process.</summary>
    Test,

    /// <summary>The QEMU/KVM driver.</summary>
    Qemu,

    /// <summary>The LXC driver.</summary>
    Lxc,
}
