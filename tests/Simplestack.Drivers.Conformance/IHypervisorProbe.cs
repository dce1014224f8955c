namespace Simplestack.Drivers.Conformance;

/// <summary>
/// Reads the hypervisor's own state beside the driver under test, so the suite asserts what really
/// happened and not only what the driver answered. It answers in the domain's words (MiB, disk
/// ids, MACs, tags, VLANs), so the same assertions hold on every hypervisor; each driver's test
/// project implements it with that hypervisor's own API, independently of the driver's code.
/// Guests are named by their name; a guest that does not exist is a test failure (throw).
/// </summary>
public interface IHypervisorProbe
{
    bool GuestExists(string name);

    /// <summary>The guest's power state, mapped by the probe from the hypervisor's own word.</summary>
    ProbedPower Power(string name);

    /// <summary>The hypervisor's own state word (libvirt's <c>shutoff</c>, Xen's <c>Halted</c>...), which the API keeps in <c>state_detail</c>.</summary>
    string NativeState(string name);

    /// <summary>The memory the persistent definition gives the guest, in MiB.</summary>
    long DefinedMemoryMiB(string name);

    /// <summary>The virtual CPUs the persistent definition gives the guest.</summary>
    int DefinedCpus(string name);

    /// <summary>The guest's disks (not CD-ROMs): in its persistent definition, or with <paramref name="live"/> in the running guest.</summary>
    IReadOnlyList<ProbedDisk> Disks(string name, bool live = false);

    /// <summary>The guest's first CD-ROM drive in its persistent definition, or null when it has none.</summary>
    ProbedMedia? Media(string name);

    /// <summary>The guest's NICs in its persistent definition.</summary>
    IReadOnlyList<ProbedNic> Nics(string name);

    /// <summary>The guest's tags: in its persistent definition, or with <paramref name="live"/> in the running guest.</summary>
    IReadOnlyList<string> Tags(string name, bool live = false);

    /// <summary>The names of the guest's snapshots, sorted ordinally.</summary>
    IReadOnlyList<string> SnapshotNames(string guestName);

    /// <summary>A network by name, or null when the hypervisor has none of that name.</summary>
    ProbedNetwork? Network(string name);

    /// <summary>Paths of the storage volumes these tests can see (a probe may leave out other test runs' volumes), sorted.</summary>
    IReadOnlyList<string> VolumePaths();

    /// <summary>Creates a volume directly on the hypervisor (an ISO for media tests) and returns its path.</summary>
    string CreateVolume(string name, long bytes);

    /// <summary>Deletes a volume by path; nothing when it is gone already.</summary>
    void DeleteVolume(string path);
}

/// <summary>A guest's power state as the probe reads it.</summary>
public enum ProbedPower
{
    Running,
    Stopped,
    Paused,
    /// <summary>Any other native state (crashed, suspended to disk, in transition...).</summary>
    Other,
}

/// <summary>A disk: its API id (the device target on libvirt), its backing path and its size.</summary>
public sealed record ProbedDisk(string Id, string? Path, long SizeBytes);

/// <summary>A CD-ROM drive and the path of what it holds (null when empty).</summary>
public sealed record ProbedMedia(string? Path);

/// <summary>A NIC: its MAC (lower case), the network it is on, and its inbound rate limit in bits per second.</summary>
public sealed record ProbedNic(string Mac, string? Network, long? RateLimitBitsPerSecond);

/// <summary>
/// A network: whether it runs, persists and autostarts, the bridge it is on, its VLAN, and the
/// switch that carries it, named as a create's <c>from_network</c> names it (libvirt: the bridge it
/// is on; Xen: the network whose PIF a VLAN network tags, else the network itself).
/// </summary>
public sealed record ProbedNetwork(bool Active, bool Persistent, bool Autostart, string? Bridge, int? Vlan, string? Switch);
