using Microsoft.Extensions.Logging;
using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Xml;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// A connection to libvirt's LXC driver. A container runs from a root directory on the host, so
/// it has no disks, media, snapshots (libvirt's LXC driver has none), images, clones or exports:
/// this type implements only what a container can do, and the rest answers 501 by its absence.
/// </summary>
public sealed class LibvirtContainerConnection : LibvirtHypervisorConnection
{
    /// <summary>Subscribes to the connection's domain lifecycle events (blocking: call it on a libvirt call thread).</summary>
    internal LibvirtContainerConnection(HypervisorTarget target, LibvirtConnection native, LibvirtCalls calls, LibvirtDriverOptions options, ILogger logger)
        : base(LibvirtFlavor.Lxc, target, native, calls, options, logger)
    {
    }

    private protected override (DomainDefinition Definition, KernelBoot? Installer) Define(GuestCreateRequest request, Uri? installLocation, NewVolumes volumes)
        => (LxcDefinition(request), null);

    /// <summary>
    /// A container's memory is its definition's: libvirt's domain info reports what a running
    /// container uses, not what it was given.
    /// </summary>
    private protected override long MemoryKiB(DomainInfo info, DomainDescription description) => description.CurrentMemoryKiB;

    private DomainDefinition LxcDefinition(GuestCreateRequest request)
    {
        if (request.Disks is { Count: > 0 } || request.Image is not null || request.Cdrom is not null || request.Install is not null
            || request.UserData is not null || request.SshKeys is { Count: > 0 })
        {
            throw new InvalidArgumentException("LXC guests take rootfs and init, not disks, image, cdrom, install, user_data or ssh_keys.");
        }

        var filesystems = new List<FilesystemDefinition>();
        if (request.Rootfs is { } rootfs)
        {
            filesystems.Add(new FilesystemDefinition(PathRules.InsideAllowed(rootfs, _options.RootfsDirectories, "rootfs"), "/"));
        }

        return new DomainDefinition(request.Name, "lxc", request.Memory * 1024, request.Cpus ?? 1)
        {
            OsType = "exe",
            Init = request.Init ?? "/sbin/init",
            Filesystems = filesystems,
            Interfaces = [.. (request.NetworkInterfaces ?? []).Select(InterfaceFor)],
            MemoryBalloon = false,
            Acpi = false,
        };
    }
}
