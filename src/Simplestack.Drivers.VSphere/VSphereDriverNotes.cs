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
        new("placement", "a new guest goes to the body's `placement` (`datacenter`, `cluster` (a cluster or a standalone host), `resource_pool` (by name, in that cluster or host), `folder` (a path under the datacenter's VM folder)), else `Simplestack:VSphere:Placement:{Datacenter,Cluster,ResourcePool,Folder,Datastore}`, else the first datacenter, host or cluster (by name) and its root pool, and that compute resource's first datastore; a body naming what does not exist is 400, a configuration doing so 502, before anything is made"),
        new("create", "`CreateVM_Task` in the placement's folder and resource pool: a paravirtual SCSI controller, one thin disk per body disk (on its `storage_id`, else that host or cluster's first datastore), a vmxnet3 NIC per body NIC on a standard port group (distributed port groups, `image` (clone), `cdrom`, install and cloud-init seeds are not built yet: 501); destroyed again when a later step fails"),
        new("update", "`ReconfigVM_Task`: `name` and `cpus` while powered off (409 otherwise), `memory` any time (live on a running VM, where the server allows hot-add); `hdd` grows the last disk to reach the wanted total (in the same task; live on a running VM; smaller than now, or no disk: 409); `paravirtualized` and `template` are not built yet (501); Xen's memory limits, live targets, vcpu settings and HA are 501 FeatureNotAvailable"),
        new("delete", "a running or suspended VM is powered off (`PowerOffVM_Task`), then `Destroy_Task` removes it with its disks and snapshots (volumes attached from outside its folder are detached first and kept); with `keep_disks` it is unregistered (`UnregisterVM`) and its folder's files, disks included, stay"),
        new("tags", "kept in the VM's `annotation`, one tag a line, as the original did; changed by `ReconfigVM_Task` guarded by `config.changeVersion` (a concurrent change answers 409)"),
        new("snapshots id", "the snapshot's name (unique per VM; its managed object id is accepted); `created` is `createTime` in UTC, `state` the power state it was taken in, `path` its managed object id"),
        new("snapshots", "`CreateSnapshot_Task` (with memory when the VM runs, never quiesced), `RevertToSnapshot_Task` then `PowerOnVM_Task` when the snapshot was taken running and the VM is not, `RemoveSnapshot_Task` (children kept)"),
        new("storage", "datastores (id: the datastore's managed object id; the name is accepted); used is capacity − free space, allocated adds `uncommitted`"),
        new("disk id", "where the disk sits: `0:1` for SCSI bus 0 unit 1 (VMware's scsi0:1), `ide0:1`, `sata0:0`, `nvme0:0` on other controllers; `number` is its index in the VM's devices, `name` its label (`Hard disk 1`); the device (`scsi0:1`) and the label, where unique, are accepted, `path` its file (`[LocalDS_0] vm/vm.vmdk`)"),
        new("disks", "`ReconfigVM_Task`: a new thin disk on the first SCSI controller's first free unit (a paravirtual controller is added when none has one), in the VM's folder on `storage_id` or the VM's datastore, hot-added on a running VM; `volume` attaches an existing disk file, kept when the disk goes; grow by `capacityInKB` (smaller: 409); delete destroys the file of a disk in the VM's folder; `bus` ide/sata/nvme is not built (501); `name` cannot be set (vSphere labels disks itself: 501)"),
        new("media", "the VM's first CD-ROM; its name is the ISO's file name; a mount finds the ISO of that file name on the datastores (400 when none has it, 409 when several do; a name with '/' or '..' is 400) and adds an IDE CD-ROM when a powered-off VM has none (IDE is not hot-added: 409 on a running VM without one); an eject empties the drive (remote passthrough backing)"),
        new("volumes", "a datastore's .vmdk disks (not their -flat/-delta/-ctk extents) and ISOs, found by `SearchDatastoreSubFolders_Task`; id: the path inside the datastore with '/' written ':' (`simplestack-volumes:data.vmdk`); name: the file name (a disk's without `.vmdk`, accepted where unique); create: `CreateVirtualDisk_Task`, thin, in `simplestack-volumes/`; delete: `DeleteVirtualDisk_Task` or `DeleteDatastoreFile_Task`; one any VM's disk or CD-ROM uses is 409"),
    ];
}
