using Simplestack.Core;

namespace Simplestack.Drivers.VSphere;

/// <summary>
/// What the vmware driver means by the API's common words (API.md §8, VMware column), shown by
/// <c>GET /drivers</c> and in <c>docs/drivers.md</c>.
/// </summary>
internal static class VSphereDriverNotes
{
    public static IReadOnlyList<DriverNote> All { get; } =
    [
        new("target", "`vmware/{ESXi host or vCenter}[:port]`: the vSphere Web Services (vim25 SOAP) at `https://{host}/sdk`; certificates verified against the system CAs, `Simplestack:VSphere:CaFile`, or a pin in `Simplestack:VSphere:CertificatePins`"),
        new("session", "one `Login` per pooled connection (the `vmware_soap_session` cookie kept), made again once on `NotAuthenticated`, `Logout` when the connection closes"),
        new("guest id", "`config.uuid` (the BIOS UUID, as the original); `instanceUuid` and the name (where unique) are accepted; templates are not guests"),
        new("state", "poweredOn -> STARTED; poweredOff -> STOPPED; suspended -> PAUSED (`state_detail` keeps vSphere's word)"),
        new("memory / cpus / hdd", "`config.hardware.memoryMB` / `config.hardware.numCPU` / the sum of the virtual disks' capacity in GiB"),
        new("hosts", "the HostSystems (a vCenter's ESXi hosts, or the one ESXi); id and address: the host's name; cpus: its logical CPUs"),
        new("pool", "`about` of the service content; memory: the hosts' `summary.hardware.memorySize` and `summary.quickStats.overallMemoryUsage` summed; uuid: vCenter's instance uuid, or the ESXi host's hardware uuid"),
        new("power", "start `PowerOnVM_Task`; stop `ShutdownGuest` (needs VMware Tools: 409 without them); force_stop `PowerOffVM_Task`; pause `SuspendVM_Task`; resume `PowerOnVM_Task`; reboot `RebootGuest` (501 where the server lacks it), forced `ResetVM_Task`; tasks are waited on through the PropertyCollector"),
        new("create", "`CreateVM_Task` in the first datacenter's VM folder and the first host or cluster's resource pool (by name): a paravirtual SCSI controller, one thin disk per body disk (on its `storage_id`, else that host or cluster's first datastore), a NIC per body NIC on a standard or distributed port group (`model` default vmxnet3, `mac` manual); with `image`, `CloneVM_Task` of that template, then memory, cpus, the first disk growing the template's boot disk, further disks beside it, the body's NICs replacing the template's; `image_copy` takes only `full`; `cdrom`, install and cloud-init seeds are not built yet (501); destroyed again when a later step fails"),
        new("update", "`ReconfigVM_Task`: `name` and `cpus` while powered off (409 otherwise), `memory` any time (live on a running VM, where the server allows hot-add); `hdd`, `paravirtualized` and `template` are not built yet (501); Xen's memory limits, live targets, vcpu settings and HA are 501 FeatureNotAvailable"),
        new("delete", "a running or suspended VM is powered off (`PowerOffVM_Task`), then `Destroy_Task` removes it with its disks and snapshots; `keep_disks` is not built yet (501)"),
        new("tags", "kept in the VM's `annotation`, one tag a line, as the original did; changed by `ReconfigVM_Task` guarded by `config.changeVersion` (a concurrent change answers 409)"),
        new("snapshots id", "the snapshot's name (unique per VM; its managed object id is accepted); `created` is `createTime` in UTC, `state` the power state it was taken in, `path` its managed object id"),
        new("snapshots", "`CreateSnapshot_Task` (with memory when the VM runs, never quiesced), `RevertToSnapshot_Task` then `PowerOnVM_Task` when the snapshot was taken running and the VM is not, `RemoveSnapshot_Task` (children kept)"),
                new("network interface id", "the card's MAC in lower case (any case accepted); `number` its index among the VM's ethernet cards; `network` the port group's name; `model` the card type (vmxnet3, e1000, e1000e, vmxnet2, pcnet32); `vlan` the port group's VLAN; `locking_mode`/`ipv4_allowed`/`ipv6_allowed` read `network_default`/[] (vSphere has none)"),
        new("network interfaces", "`ReconfigVM_Task` add/edit/remove, live on a running VM too; a manual MAC must be in 00:50:56:00:00:00-00:50:56:3F:FF:FF on a real ESXi (the server's refusal is 400); update moves a card to another port group, and `active` connects or disconnects a running VM's card (`connectable.connected`, which `active` reads back; 409 on a stopped VM); `ratelimit` is 501 FeatureNotAvailable on standard vSwitches (not built on distributed ports), locking and allowed addresses 501 FeatureNotAvailable"),
        new("network id", "the port group's name (its managed object id, the network's `uuid`, is accepted); `bridge` the virtual switch (a host's vSwitch, or the distributed switch); `vlan` the VLAN id (none: null); `description` \"\" and `other_config` {} (port groups have neither: create refuses them, 501); distributed uplink port groups are not listed"),
        new("networks", "create: `AddPortGroup` with the VLAN on every host that has `from_network`'s vSwitch (`from_network` names a vSwitch or a port group on it; required), undone on failure; `from_network` naming a distributed switch or one of its port groups makes a distributed port group (`AddDVPortgroup_Task`, the VLAN its default port setting); delete: `RemovePortGroup` on each host (a distributed one: `Destroy_Task`), 409 while a VM has a NIC on it"),
        new("clone", "`CloneVM_Task` of a powered-off VM (409 otherwise, though vSphere could) into its folder and resource pool: every disk copied, new uuid, new generated MACs, the annotation (tags) kept; a failed clone is destroyed"),
        new("images", "template VMs (`config.template`): id `config.uuid` (the name accepted where unique), size their disks', storage the datastore they are on, path the .vmx"),
        new("storage", "datastores (id: the datastore's managed object id; the name is accepted); used is capacity − free space, allocated adds `uncommitted`"),
    ];
}
