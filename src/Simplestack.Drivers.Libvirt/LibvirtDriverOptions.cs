using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt;

/// <summary>Configuration of the libvirt drivers (section <c>Simplestack:Libvirt</c>).</summary>
public sealed class LibvirtDriverOptions
{
    /// <summary><c>kvm</c> or <c>qemu</c> (software emulation) when a create body names none.</summary>
    public string DefaultDomainType { get; set; } = "kvm";

    /// <summary>Transport for remote hosts: <c>ssh</c> (the gateway's key), <c>libssh</c>, <c>libssh2</c>, <c>tls</c> or <c>tcp</c>.</summary>
    public string RemoteTransport { get; set; } = "ssh";

    /// <summary>Private key for the <c>ssh</c> transport (passed as libvirt's <c>keyfile</c> URI parameter).</summary>
    public string? SshKeyFile { get; set; }

    /// <summary>
    /// The URI for <c>kvm/localhost</c> (default <c>qemu:///system</c>): e.g. a libvirtd on its own socket,
    /// <c>qemu+unix:///system?socket=/run/other/libvirt-sock</c>, or a session daemon.
    /// </summary>
    public string QemuLocalUri { get; set; } = "qemu:///system";

    /// <summary>The URI for <c>lxc/localhost</c> (default <c>lxc:///system</c>).</summary>
    public string LxcLocalUri { get; set; } = "lxc:///system";

    /// <summary>Storage pool for disks whose request names none.</summary>
    public string DefaultStoragePool { get; set; } = "default";

    /// <summary>Folders whose ISO files may be mounted by path (names of pool volumes are always allowed).</summary>
    public IList<string> IsoDirectories { get; } = [];

    /// <summary>Folders inside which an LXC <c>rootfs</c> may lie.</summary>
    public IList<string> RootfsDirectories { get; } = [];

    /// <summary>URL prefixes from which <c>install.location</c> may be fetched.</summary>
    public IList<string> InstallLocationPrefixes { get; } = [];

    /// <summary>Pools whose volumes are images guests can be created from.</summary>
    public IList<string> ImagePools { get; } = [];

    /// <summary>Blocking libvirt calls allowed at once per connection.</summary>
    public int MaxConcurrentCalls { get; set; } = HypervisorCallPolicy.DefaultMaxConcurrency;

    /// <summary>How long one libvirt call may take before the request answers 504.</summary>
    public int CallTimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// Whether QEMU guests the gateway makes get a VNC console listening on no address (reached
    /// only through the console route, <c>virDomainOpenGraphicsFD</c>). Off for a QEMU built without VNC.
    /// </summary>
    public bool VncConsole { get; set; } = true;
}
