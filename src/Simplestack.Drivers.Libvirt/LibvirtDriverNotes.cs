using Simplestack.Core;

namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// What the libvirt drivers mean by the API's common words (API.md §8's table, for libvirt),
/// shown by <c>GET /drivers</c> and in <c>docs/drivers.md</c>.
/// </summary>
internal static class LibvirtDriverNotes
{
    private static readonly DriverNote[] Common =
    [
        new("guest id", "the libvirt domain's UUID (the name is accepted too)"),
        new("state", "running, blocked, shutdown -> STARTED; paused, pmsuspended -> PAUSED; shutoff, crashed, nostate -> STOPPED (`state_detail` keeps libvirt's word)"),
        new("storage", "libvirt storage pools (id: the pool's UUID; the name is accepted)"),
        new("network id", "the libvirt network's name (the UUID is accepted)"),
        new("tags", "`<tags>` in the domain's `<metadata>` (namespace `https://simplestack.dev/xmlns/tags/1`)"),
        new("update", "`memory` as `{memory_static_max, memory_target}` is `<memory>` and `<currentMemory>`, `cpus` as `{vcpus_at_startup, vcpus_max}` the `<vcpu>` current count and maximum; `memory_target_live` and `vcpus_number_live` change the running guest only (409 when stopped); `memory_static_min`, `vcpu_settings`, `ha_enabled`, `template: true` and a paravirtualized boot have no libvirt meaning: 501 `FeatureNotAvailable` naming them, before anything changes"),
        new("network interface update", "`locking_mode`, `ipv4_allowed`, `ipv6_allowed` and `active` (Xen's VIF settings) are 501 `FeatureNotAvailable` naming them, before anything changes"),
    ];

    // Guests with disks (QEMU and the test hypervisor), not containers.
    private static readonly DriverNote[] Machines =
    [
        .. Common,
        new("stop / force_stop / reboot", "`virDomainShutdown` (ACPI) / `virDomainDestroy` / `virDomainReboot`, forced `virDomainReset`"),
        new("disk id", "the device target (`vda`, `sdb`)"),
        new("snapshots id", "the libvirt snapshot's name"),
        new("export / import", "a tar archive: `manifest.json` (driver-neutral, docs/archive-format.md), the native `domain.xml` and `disks/<device>.qcow2`, streamed"),
    ];

    public static IReadOnlyList<DriverNote> For(LibvirtFlavor flavor) => flavor switch
    {
        LibvirtFlavor.Test =>
        [
            .. Machines,
            new("target", "`test/default`: libvirt's `test:///default` inside the gateway process; its state lives as long as the process"),
            new("limits", "no device changes on a running guest, no volume upload (so no `user_data`/`ssh_keys` seed), no disk streaming (so no export) and no consoles: 501 `FeatureNotAvailable`"),
        ],
        LibvirtFlavor.Lxc =>
        [
            .. Common,
            new("target", "`lxc:///system` on localhost, `lxc+{transport}://` elsewhere"),
            new("create", "a container: `rootfs` (a folder inside the configured ones) and `init` instead of disks; no disks, media, snapshots, clones, images or export"),
            new("stop / force_stop / reboot", "`virDomainShutdown` (libvirt's default for LXC does not signal every init: a `stop` with `?wait` may answer 504) / `virDomainDestroy` / `virDomainReboot`"),
            new("limits", "no change of vCPUs, no rename and no forced reboot (libvirt's LXC driver lacks them): 501 `FeatureNotAvailable`"),
            new("console", "`serial`: the container's console (`virDomainOpenConsole`); libvirt's LXC driver shares it between openers, so `force` changes nothing; no `vnc` (501)"),
        ],
        _ =>
        [
            .. Machines,
            new("target", "`qemu:///system` on localhost, `qemu+{transport}://user@host/system` elsewhere; alias `qemu`"),
            new("create", "disks are qcow2 volumes (an overlay on `image`), `user_data`/`ssh_keys` a NoCloud seed ISO, `install` a kernel and initrd fetched from an allowed URL"),
            new("console", "`serial`: the first serial port (`virDomainOpenConsole`, one opener unless `force`); `vnc`: the first graphics device through `virDomainOpenGraphicsFD` (guests made by the gateway get VNC listening on no address; local connections only)"),
        ],
    };
}
