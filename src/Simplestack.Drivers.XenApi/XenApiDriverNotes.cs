using Simplestack.Core;

namespace Simplestack.Drivers.XenApi;

/// <summary>
/// What the xen driver means by the API's common words (API.md §8, Xen column), shown by
/// <c>GET /drivers</c> and in <c>docs/drivers.md</c>.
/// </summary>
internal static class XenApiDriverNotes
{
    public static IReadOnlyList<DriverNote> All { get; } =
    [
        new("target", "`xen/{pool master}[:port]`: XenAPI JSON-RPC at `https://{host}/jsonrpc`; a member host's `HOST_IS_SLAVE` is followed to the master; certificates verified against the system CAs, `Simplestack:XenApi:CaFile`, or a pin in `Simplestack:XenApi:CertificatePins`"),
        new("session", "one XenAPI session per pooled connection (originator `simplestack`), made again once on `SESSION_INVALID`, logged out when the connection closes"),
        new("guest id", "the VM's uuid (the name is accepted where unique); templates, snapshots and the control domain are not guests"),
        new("state", "Running -> STARTED; Halted -> STOPPED; Paused and Suspended -> PAUSED (`state_detail` keeps XenAPI's word)"),
        new("memory / cpus / hdd", "`memory_dynamic_max` in MiB (what a running VM is ballooned to and a halted one boots with; `memory_static_max` is only its ceiling, so a live change reads back) / `VCPUs_at_startup` / the sum of the Disk VDIs' `virtual_size` in GiB"),
        new("power", "start `VM.start`; stop `VM.clean_shutdown`; force_stop `VM.hard_shutdown`; pause `VM.pause`; resume `VM.unpause` (a Suspended VM: `VM.resume`); reboot `VM.clean_reboot`, forced `VM.hard_reboot`"),
        new("create", "`image` names a template (name or uuid; unknown: 400): `VM.clone`, `VM.provision` (the template's own disks; the body's first disk is the boot disk, grown to its size when larger), then the body's other `disks`, `cdrom` mounted, memory limits, vCPUs, a VIF per NIC, `VM.start` when asked; install and cloud-init seeds are not built yet (501)"),
        new("update", "checked whole before the first call (a 4xx changes nothing) and undone call by call when a later one fails; name and `cpus` while halted (409 otherwise): `cpus` is `VCPUs_at_startup` (a count raises `VCPUs_max` only when below it; `{vcpus_at_startup, vcpus_max}` sets both, in the order xapi accepts); `memory` as one size sets every limit when halted (next boot), the dynamic range when running (live, within `memory_static_min`..`memory_static_max`, else 409); `memory` as `{memory_static_min, memory_static_max, memory_target}` is `VM.set_memory_limits` while halted; `memory_target_live` is `VM.set_memory_dynamic_range` and `vcpus_number_live` `VM.set_VCPUs_number_live`, on a running VM only; `vcpu_settings` merge into `VCPUs_params`; `ha_enabled` is `ha_restart_priority` `best-effort` or empty; `paravirtualized` is `VM.set_domain_type` pv/hvm (`HVM_boot_policy` on pools without it) and `PV_args` (true: `-- quiet console=hvc0`); `hdd` grows the last disk (highest userdevice) with `VDI.resize` so the disks total it, while halted (smaller than now: 409); `template: true` (halted only) makes the VM a template, which leaves the guest list"),
        new("disk id", "the VBD's `userdevice` (`0`, `1`...; `number` is the same); only Disk VBDs are disks, CD drives are the media device; `name` is the VDI's name_label, `path` and `extra_info.vdi_uuid` its uuid, `size` its virtual_size"),
        new("disks", "create: `VDI.create` on `storage_id` (SR uuid or name), else disk 0's SR, else the pool's default SR, and `VBD.create` on the lowest free userdevice (`VM.get_allowed_VBD_devices`), `VBD.plug` when running; update: `VDI.set_name_label`, `VDI.resize` (grow only, while halted); delete: `VBD.unplug` if plugged, `VBD.destroy`, and `VDI.destroy` only when no other VBD uses the VDI and it is not sharable; `bus` cannot be chosen (501)"),
        new("media", "the VM's first CD VBD; mount: `VBD.eject` if loaded, then `VBD.insert` of the ISO of that name_label in an ISO library SR (none: 400); a VM without a CD drive gets an empty one first (userdevice 3 when free, while halted); `null` or an empty name ejects"),
        new("images", "the pool's templates (not snapshots, not the control domain): id the template's name, `path` its uuid, size its own disks plus what its provision spec makes"),
        new("clone", "`VM.clone` of a halted VM (409 otherwise, or when the name is taken): a new uuid, new MACs, the tags, and a new VDI per disk (`VDI.clone`, copy-on-write where the SR can: each VDI is destroyed on its own, so deleting the clone leaves the source's alone); CDs are shared"),
        new("delete", "a running VM is hard-shut-down; its snapshots, then the VM, then only the VDIs it alone used (never a sharable one or one another VM uses)"),
        new("storage", "SRs that have PBDs (id: the SR's uuid; the name is accepted)"),
        new("volumes", "an SR's VDIs (not snapshots'); id and `path` the VDI's uuid, the name accepted where unique in the SR (a second volume of a name there is 409); create `VDI.create` in the SR's own format (`format` 501, an ISO library 400); delete 409 while any VM has a VBD to it; attached to a guest as a disk (`volume` + `storage_id`), its VBD is marked so deleting the disk or the guest keeps the VDI"),
        new("network id", "the network's uuid (never a session-scoped ref; the name is accepted where unique); VLAN create is `network.create` + `pool.create_VLAN_from_PIF` on `from_network`'s PIF"),
        new("network interfaces", "the VM's VIFs; id: the MAC in lower case; `network` is the network's name_label; create: `VIF.create` on the lowest free device with the MAC given (else the pool's), `VIF.plug` when the VM runs; update (in place, never destroyed and made again: the MAC and device stay): `network` is `VIF.move` (live), `locking_mode` `VIF.set_locking_mode`, `ipv4_allowed`/`ipv6_allowed` `VIF.set_ipv4_allowed`/`set_ipv6_allowed`, `active` `VIF.plug`/`VIF.unplug` on a running VM (409 otherwise), `ratelimit` (bits/s) is QoS `ratelimit` with `kbps` = bits/8192 (KiB/s, the original's rule; `rate_limit` reads it back so), `false` clears it; delete: `VIF.unplug` when attached, `VIF.destroy`; a NIC `model` is 501 (Xen VIFs have none)"),
        new("tags", "`VM.tags`"),
        new("export / import", "XVA, streamed both ways through xapi's `GET /export` and `PUT /import`, each with a task the driver makes and destroys; export needs a halted or suspended VM (409 otherwise) and sends no length (xapi sends none); import needs the body's Content-Length (411 without: xapi refuses chunked uploads) and goes to the named SR, else the pool's default SR, else the disk SR with the most room; xapi gives the VM a new uuid"),
        new("snapshots id", "the snapshot's name (its uuid is accepted); `created` is `snapshot_time` in UTC; delete destroys the snapshot and its own VDIs"),
        new("snapshots", "a running VM is checkpointed (`VM.checkpoint`: disks and memory), any other a disk snapshot (`VM.snapshot`); revert is `VM.revert`, then `VM.resume` for a checkpoint, so the guest runs again as when it was taken"),
    ];
}
