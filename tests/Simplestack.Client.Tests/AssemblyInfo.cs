// libvirt's test:///default keeps ONE state per process, shared by every connection to it. Each
// test class has its own in-process gateway (its own fixture); running the classes one after
// another gives each class a fresh test hypervisor, as in the server's tests.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
