// These tests share one real libvirtd, its storage pool and its two CPU cores: test classes run
// one after another, so a class's before/after checks of the pool see only its own changes and
// guests boot in predictable time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
