// libvirt's test:///default keeps ONE state per process, shared by every open connection to it
// and reset only when the last one closes. Each HTTP test class has its own gateway (and so its
// own pooled test connection); running the classes one after another means each class starts
// on a fresh test hypervisor and no class sees another's guests or power changes.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
