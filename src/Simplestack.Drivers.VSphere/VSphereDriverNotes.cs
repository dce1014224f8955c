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
        new("guest list", "kept in memory per connection: a property collector of its own (`CreatePropertyCollector`) with a filter over a ContainerView of VirtualMachine and HostSystem, seeded by `WaitForUpdatesEx` from version \"\", then kept by `WaitForUpdatesEx` waits of 30 s (outside the call policy); a list after the gateway's own change first catches up (`WaitForUpdatesEx` with `maxWaitSeconds` 0, the VMs modified read again); a server refusing it 3 times in a row is listed by paged `RetrievePropertiesEx` (1,000 objects a page) each time; one guest is always read from the server"),
        new("memory / cpus / hdd", "`config.hardware.memoryMB` / `config.hardware.numCPU` / the sum of the virtual disks' capacity in GiB"),
        new("hosts", "the HostSystems (a vCenter's ESXi hosts, or the one ESXi); id and address: the host's name; cpus: its logical CPUs"),
        new("pool", "`about` of the service content; memory: the hosts' `summary.hardware.memorySize` and `summary.quickStats.overallMemoryUsage` summed; uuid: vCenter's instance uuid, or the ESXi host's hardware uuid"),
        new("power", "start `PowerOnVM_Task`; stop `ShutdownGuest` (needs VMware Tools: 409 without them); force_stop `PowerOffVM_Task`; pause `SuspendVM_Task`; resume `PowerOnVM_Task`; reboot `RebootGuest` (501 where the server lacks it), forced `ResetVM_Task`; tasks are waited on through the PropertyCollector"),
        new("create", "`CreateVM_Task` in the first datacenter's VM folder and the first host or cluster's resource pool (by name): a paravirtual SCSI controller, one thin disk per body disk (on its `storage_id`, else that host or cluster's first datastore), a vmxnet3 NIC per body NIC on a standard port group (distributed port groups, `image` (clone), `cdrom`, install and cloud-init seeds are not built yet: 501); destroyed again when a later step fails"),
        new("update", "`ReconfigVM_Task`: `name` and `cpus` while powered off (409 otherwise), `memory` any time (live on a running VM, where the server allows hot-add); `hdd`, `paravirtualized` and `template` are not built yet (501); Xen's memory limits, live targets, vcpu settings and HA are 501 FeatureNotAvailable"),
        new("delete", "a running or suspended VM is powered off (`PowerOffVM_Task`), then `Destroy_Task` removes it with its disks and snapshots; `keep_disks` is not built yet (501)"),
        new("tags", "kept in the VM's `annotation`, one tag a line, as the original did; changed by `ReconfigVM_Task` guarded by `config.changeVersion` (a concurrent change answers 409)"),
        new("snapshots id", "the snapshot's name (unique per VM; its managed object id is accepted); `created` is `createTime` in UTC, `state` the power state it was taken in, `path` its managed object id"),
        new("snapshots", "`CreateSnapshot_Task` (with memory when the VM runs, never quiesced), `RevertToSnapshot_Task` then `PowerOnVM_Task` when the snapshot was taken running and the VM is not, `RemoveSnapshot_Task` (children kept)"),
                new("storage", "datastores (id: the datastore's managed object id; the name is accepted); used is capacity − free space, allocated adds `uncommitted`"),
    ];
}
